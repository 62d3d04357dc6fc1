package org.openwallet.feed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openwallet.identity.Visibility;

class AudienceTest {

    @Test
    void parties_seeEveryPayment() {
        for (Visibility visibility : Visibility.values()) {
            assertThat(Audience.PARTIES.reaches(visibility))
                    .as(visibility.toString())
                    .isTrue();
        }
    }

    @Test
    void friends_seeAllButPrivatePayments() {
        assertThat(Audience.FRIENDS.reaches(Visibility.PUBLIC)).isTrue();
        assertThat(Audience.FRIENDS.reaches(Visibility.FRIENDS)).isTrue();
        assertThat(Audience.FRIENDS.reaches(Visibility.PRIVATE)).isFalse();
    }

    @Test
    void thePublicTimeline_seesOnlyPublicPayments() {
        assertThat(Audience.PUBLIC.reaches(Visibility.PUBLIC)).isTrue();
        assertThat(Audience.PUBLIC.reaches(Visibility.FRIENDS)).isFalse();
        assertThat(Audience.PUBLIC.reaches(Visibility.PRIVATE)).isFalse();
    }
}
