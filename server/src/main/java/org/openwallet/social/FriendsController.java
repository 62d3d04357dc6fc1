package org.openwallet.social;

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
import org.openwallet.platform.web.ProblemException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(
        name = "Friends",
        description =
                "Friend requests and mutual friendships; friends see each other's non-private payments in their feeds")
class FriendsController {
    private final Friends friends;

    FriendsController(Friends friends) {
        this.friends = friends;
    }

    record NewRequest(String toHandle) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RequestView(
            UUID id,
            UUID fromUserId,
            String fromHandle,
            UUID toUserId,
            String toHandle,
            String status,
            String createdAt,
            String decidedAt) {
        static RequestView of(Friends.FriendRequest request) {
            return new RequestView(
                    request.id(),
                    request.fromUserId(),
                    request.fromHandle(),
                    request.toUserId(),
                    request.toHandle(),
                    request.status(),
                    request.createdAt().toString(),
                    request.decidedAt() == null ? null : request.decidedAt().toString());
        }
    }

    record FriendView(UUID userId, String handle, String since) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Page<T>(List<T> items, String nextCursor) {}

    @PostMapping("/v1/friends/requests")
    @ApiContract(
            problems = {
                ProblemCode.USER_NOT_FOUND,
                ProblemCode.ALREADY_FRIENDS,
                ProblemCode.FRIEND_LIMIT_REACHED,
                ProblemCode.SELF_FRIEND_REQUEST
            })
    @Operation(
            summary = "Ask another user to be friends",
            description = """
            Friendship is mutual: it starts when the other user accepts. Asking again returns the open \
            request (200); asking a user who already asked you accepts their request (200, status accepted).""",
            responses = {
                @ApiResponse(responseCode = "201", description = "Request sent"),
                @ApiResponse(
                        responseCode = "200",
                        description = "The open request between you, or theirs, now accepted")
            })
    ResponseEntity<RequestView> request(
            @Parameter(hidden = true) AuthenticatedUser user, @RequestBody NewRequest body) {
        Friends.Outcome outcome = friends.request(user.userId(), body.toHandle());
        return ResponseEntity.status(outcome.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(RequestView.of(outcome.request()));
    }

    @GetMapping("/v1/friends/requests")
    @ApiContract
    @Operation(
            summary = "Open friend requests, newest first",
            description = "direction=incoming (default: to you) or outgoing (yours).")
    Page<RequestView> pending(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "incoming") String direction,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        if (!direction.equals("incoming") && !direction.equals("outgoing")) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "direction must be incoming or outgoing.");
        }
        Friends.Page<Friends.FriendRequest> page =
                friends.pending(user.userId(), direction.equals("incoming"), limit, cursor);
        return new Page<>(page.items().stream().map(RequestView::of).toList(), page.nextCursor());
    }

    @PostMapping("/v1/friends/requests/{id}/accept")
    @ApiContract(
            problems = {ProblemCode.NOT_FOUND, ProblemCode.FRIEND_REQUEST_CLOSED, ProblemCode.FRIEND_LIMIT_REACHED})
    @Operation(
            summary = "Accept a friend request made to you",
            description = "Accepting it again returns it unchanged.",
            responses = {
                @ApiResponse(responseCode = "200", description = "Accepted: you are friends"),
                @ApiResponse(responseCode = "404", description = "not_found: no such request to you"),
                @ApiResponse(
                        responseCode = "409",
                        description = "friend_request_closed (it was declined), friend_limit_reached")
            })
    RequestView accept(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        return RequestView.of(friends.accept(user.userId(), requestId(id)));
    }

    @PostMapping("/v1/friends/requests/{id}/decline")
    @ApiContract(problems = {ProblemCode.NOT_FOUND, ProblemCode.FRIEND_REQUEST_CLOSED})
    @Operation(
            summary = "Decline a friend request made to you",
            description = "Declining it again returns it unchanged.",
            responses = {
                @ApiResponse(responseCode = "200", description = "Declined"),
                @ApiResponse(responseCode = "404", description = "not_found: no such request to you"),
                @ApiResponse(responseCode = "409", description = "friend_request_closed (it was accepted)")
            })
    RequestView decline(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String id) {
        return RequestView.of(friends.decline(user.userId(), requestId(id)));
    }

    @GetMapping("/v1/friends")
    @ApiContract
    @Operation(
            summary = "Your friends",
            description = "Pass next_cursor back as cursor for the next page; it is absent on the last page.")
    Page<FriendView> list(
            @Parameter(hidden = true) AuthenticatedUser user,
            @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String cursor) {
        Friends.Page<Friends.Friend> page = friends.friends(user.userId(), limit, cursor);
        return new Page<>(
                page.items().stream()
                        .map(f ->
                                new FriendView(f.userId(), f.handle(), f.since().toString()))
                        .toList(),
                page.nextCursor());
    }

    @DeleteMapping("/v1/friends/{userId}")
    @ApiContract
    @Operation(
            summary = "End a friendship, for both of you",
            description = """
            Their payments leave your feed and yours leave theirs (except payments between the two of you). \
            Removing someone who is not (or no longer) your friend changes nothing.""",
            responses = @ApiResponse(responseCode = "204", description = "Not friends (any more)"))
    ResponseEntity<Void> unfriend(@Parameter(hidden = true) AuthenticatedUser user, @PathVariable String userId) {
        UUID friend;
        try {
            friend = UUID.fromString(userId);
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "user_id must be a user id (a UUID).");
        }
        friends.unfriend(user.userId(), friend);
        return ResponseEntity.noContent().build();
    }

    private static UUID requestId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException notUuid) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "No friend request " + id + " to you.");
        }
    }
}
