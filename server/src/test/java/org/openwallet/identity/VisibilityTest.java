package org.openwallet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.openwallet.platform.web.ProblemCode;
import org.openwallet.platform.web.ProblemException;
import tools.jackson.databind.json.JsonMapper;

class VisibilityTest {

    @Test
    void wireValues_areTheLowerCaseNames_andReadBack() {
        assertThat(Visibility.PUBLIC).hasToString("public");
        assertThat(Visibility.FRIENDS).hasToString("friends");
        assertThat(Visibility.PRIVATE).hasToString("private");
        for (Visibility visibility : Visibility.values()) {
            assertThat(Visibility.fromWire(visibility.toString())).contains(visibility);
        }
    }

    @Test
    void json_isTheWireValue() {
        // Payment fingerprints hash the JSON of the validated request: the enum must write what the string did.
        assertThat(JsonMapper.builder().build().writeValueAsString(Visibility.FRIENDS))
                .isEqualTo("\"friends\"");
    }

    @Test
    void fromWire_isExact() {
        assertThat(Visibility.fromWire("Public")).isEmpty();
        assertThat(Visibility.fromWire("PRIVATE")).isEmpty();
        assertThat(Visibility.fromWire(" friends")).isEmpty();
        assertThat(Visibility.fromWire("")).isEmpty();
        assertThat(Visibility.fromWire("everyone")).isEmpty();
        assertThat(Visibility.fromWire(null)).isEmpty();
    }

    @Test
    void parse_refusesAnythingElse_asValidationFailed_namingTheField() {
        assertThat(Visibility.parse("visibility", "private")).isEqualTo(Visibility.PRIVATE);
        for (String invalid : new String[] {null, "", "Public", "everyone"}) {
            assertThatThrownBy(() -> Visibility.parse("default_visibility", invalid))
                    .isInstanceOfSatisfying(ProblemException.class, problem -> {
                        assertThat(problem.code()).isEqualTo(ProblemCode.VALIDATION_FAILED);
                        assertThat(problem.getMessage())
                                .isEqualTo("default_visibility must be one of public, friends, private.");
                    });
        }
    }

    @Test
    void order_isPublicThenFriendsThenPrivate() {
        assertThat(Visibility.PRIVATE.isMorePrivateThan(Visibility.FRIENDS)).isTrue();
        assertThat(Visibility.FRIENDS.isMorePrivateThan(Visibility.PUBLIC)).isTrue();
        assertThat(Visibility.PRIVATE.isMorePrivateThan(Visibility.PUBLIC)).isTrue();
        assertThat(Visibility.PUBLIC.isMorePrivateThan(Visibility.FRIENDS)).isFalse();
        assertThat(Visibility.FRIENDS.isMorePrivateThan(Visibility.PRIVATE)).isFalse();
        assertThat(Visibility.FRIENDS.isMorePrivateThan(Visibility.FRIENDS)).isFalse();
    }

    @Test
    void morePrivateOf_theMorePrivateWins_whicheverSideItIsOn_andNullIsNoChoice() {
        assertThat(Visibility.morePrivateOf(Visibility.PUBLIC, Visibility.PRIVATE))
                .isEqualTo(Visibility.PRIVATE);
        assertThat(Visibility.morePrivateOf(Visibility.PRIVATE, Visibility.PUBLIC))
                .isEqualTo(Visibility.PRIVATE);
        assertThat(Visibility.morePrivateOf(Visibility.FRIENDS, Visibility.PUBLIC))
                .isEqualTo(Visibility.FRIENDS);
        assertThat(Visibility.morePrivateOf(Visibility.PUBLIC, Visibility.FRIENDS))
                .isEqualTo(Visibility.FRIENDS);
        assertThat(Visibility.morePrivateOf(Visibility.FRIENDS, Visibility.FRIENDS))
                .isEqualTo(Visibility.FRIENDS);
        assertThat(Visibility.morePrivateOf(null, Visibility.PUBLIC)).isEqualTo(Visibility.PUBLIC);
        assertThat(Visibility.morePrivateOf(Visibility.PUBLIC, null)).isEqualTo(Visibility.PUBLIC);
        assertThat(Visibility.morePrivateOf(null, null)).isNull();
    }

    @Test
    void theDefault_isFriends() {
        assertThat(Visibility.DEFAULT).isEqualTo(Visibility.FRIENDS);
    }
}
