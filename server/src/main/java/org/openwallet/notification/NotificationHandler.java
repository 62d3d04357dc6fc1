package org.openwallet.notification;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.openwallet.events.Event;
import org.openwallet.events.EventHandler;
import org.openwallet.events.PoisonEventException;
import org.openwallet.platform.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The {@code notifications} consumer: a {@code transfer.posted} event becomes one notification for
 * the receiver, then goes to every {@link NotificationChannel}.
 *
 * <p>Other event types on the topic are not for this consumer and are skipped, so producers can add
 * types without breaking it. A {@code transfer.posted} of a version it does not know, or one
 * missing what a notification needs, can never be applied and is poison (dead-lettered).
 */
@Component
class NotificationHandler implements EventHandler {
    private static final Logger log = LoggerFactory.getLogger(NotificationHandler.class);
    static final String NAME = "notifications";
    static final String TOPIC = "wallet.transfer";
    static final String TRANSFER_POSTED = "transfer.posted";
    static final int TRANSFER_POSTED_VERSION = 1;

    private final Notifications notifications;
    private final Currencies currencies;
    private final List<NotificationChannel> channels;

    NotificationHandler(Notifications notifications, Currencies currencies, List<NotificationChannel> channels) {
        this.notifications = notifications;
        this.currencies = currencies;
        this.channels = channels;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> topics() {
        return Set.of(TOPIC);
    }

    @Override
    public void apply(Event event) {
        if (!TRANSFER_POSTED.equals(event.type())) {
            return;
        }
        notifications.addTransferReceived(transferReceived(event));
    }

    /** Hands the stored notification to the channels; each one queues it and returns at once. */
    @Override
    public void afterCommit(Event event) {
        if (!TRANSFER_POSTED.equals(event.type()) || channels.isEmpty()) {
            return;
        }
        notifications.findByEvent(event.id()).ifPresent(notification -> {
            for (NotificationChannel channel : channels) {
                try {
                    channel.deliver(notification);
                } catch (RuntimeException failed) {
                    // One broken channel must not keep the others from delivering; the notification is stored either
                    // way.
                    log.error(
                            "Channel {} failed to take notification {}",
                            channel.getClass().getSimpleName(),
                            notification.id(),
                            failed);
                }
            }
        });
    }

    /** Reads what the notification needs from a {@code transfer.posted} event, or refuses it as poison. */
    private Notifications.TransferReceived transferReceived(Event event) {
        if (event.version() != TRANSFER_POSTED_VERSION) {
            throw new PoisonEventException(TRANSFER_POSTED + " version " + event.version()
                    + " is unknown to this consumer (it reads version " + TRANSFER_POSTED_VERSION + ")");
        }
        JsonNode payload = event.payload();
        if (payload == null || !payload.isObject()) {
            throw new PoisonEventException(TRANSFER_POSTED + " has no payload object");
        }
        String currencyCode = text(payload, "currency");
        Currencies.Currency currency = currencies
                .find(currencyCode)
                .orElseThrow(() -> new PoisonEventException(
                        TRANSFER_POSTED + " is in " + currencyCode + ", which this wallet does not hold"));
        long amountMinor;
        try {
            amountMinor = currency.parse(text(payload, "amount"));
        } catch (IllegalArgumentException malformed) {
            throw new PoisonEventException(TRANSFER_POSTED + " has an invalid amount: " + malformed.getMessage());
        }
        if (amountMinor <= 0) {
            throw new PoisonEventException(TRANSFER_POSTED + " has a zero amount");
        }
        return new Notifications.TransferReceived(
                event.id(),
                uuid(payload, "transfer_id"),
                uuid(payload, "from_user_id"),
                text(payload, "from_handle"),
                uuid(payload, "to_user_id"),
                amountMinor,
                currency.code());
    }

    private static String text(JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        if (value == null || !value.isString() || value.asString().isBlank()) {
            throw new PoisonEventException(TRANSFER_POSTED + " has no '" + field + "'");
        }
        return value.asString();
    }

    private static UUID uuid(JsonNode payload, String field) {
        String value = text(payload, field);
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException notUuid) {
            throw new PoisonEventException(TRANSFER_POSTED + " has a '" + field + "' that is no UUID: " + value);
        }
    }
}
