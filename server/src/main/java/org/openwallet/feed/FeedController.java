package org.openwallet.feed;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.openwallet.identity.AuthenticatedUser;
import org.openwallet.platform.web.ApiContract;
import org.openwallet.platform.web.ProblemCode;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Feed", description = "Payments of the caller and their friends, newest first")
class FeedController {
    private static final String PAGING = """
             limit is 1-100 (default 20). Pass next_cursor back as cursor for the next page; it is absent on \
            the last page. Cursors are signed and bound to the caller and this feed; paging is stable while \
            new payments arrive. Amounts appear only on payments the caller took part in.""";

    private final FeedReader reader;

    FeedController(FeedReader reader) {
        this.reader = reader;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ItemView(
            UUID transferId,
            UUID fromUserId,
            String fromHandle,
            UUID toUserId,
            String toHandle,
            String note,
            String visibility,
            String createdAt,
            String amount,
            String currency) {
        static ItemView of(FeedItem item, UUID reader) {
            boolean party = item.involves(reader);
            return new ItemView(
                    item.transferId(),
                    item.fromUserId(),
                    item.fromHandle(),
                    item.toUserId(),
                    item.toHandle(),
                    item.note(),
                    item.visibility().toString(),
                    item.createdAt().toString(),
                    party ? item.amount() : null,
                    party ? item.currency() : null);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Page(List<ItemView> items, String nextCursor) {}

    @GetMapping("/v1/feed")
    @ApiContract(problems = ProblemCode.FEED_UNAVAILABLE)
    @Operation(
            summary = "The social feed",
            description = """
            The caller's own payments and their friends' public and friends-only payments.""" + PAGING,
            responses = {
                @ApiResponse(responseCode = "200", description = "A page"),
                @ApiResponse(responseCode = "400", description = "validation_failed (limit), invalid_cursor"),
                @ApiResponse(responseCode = "503", description = "feed_unavailable: the feed store cannot be reached")
            })
    Page feed(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        return page(Timeline.feed(user.userId()), user, limit, cursor);
    }

    @GetMapping("/v1/feed/me")
    @ApiContract(problems = ProblemCode.FEED_UNAVAILABLE)
    @Operation(
            summary = "The caller's own payments, with amounts",
            description = "Sent and received, whatever their visibility." + PAGING)
    Page mine(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        return page(Timeline.activity(user.userId()), user, limit, cursor);
    }

    @GetMapping("/v1/feed/public")
    @ApiContract(problems = ProblemCode.FEED_UNAVAILABLE)
    @Operation(
            summary = "Everyone's public payments",
            description = "Who paid whom and the note; never amounts of others." + PAGING)
    Page everyone(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        return page(Timeline.PUBLIC, user, limit, cursor);
    }

    private Page page(Timeline timeline, AuthenticatedUser user, int limit, String cursor) {
        FeedReader.Page page = reader.read(timeline, user.userId(), limit, cursor);
        return new Page(
                page.items().stream()
                        .map(item -> ItemView.of(item, user.userId()))
                        .toList(),
                page.nextCursor());
    }
}
