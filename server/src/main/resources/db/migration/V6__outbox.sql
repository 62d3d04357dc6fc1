-- The transactional outbox: a row per event, inserted in the same transaction as the change it
-- reports. Debezium reads the inserts from the WAL through the publication below and publishes
-- them to Kafka; the rows themselves are pruned once relayed. `payload` holds the whole event
-- envelope {id, type, version, occurred_at, producer, payload}.
CREATE TABLE outbox_events (
    id             uuid PRIMARY KEY,
    aggregate_type text NOT NULL,
    aggregate_id   text NOT NULL,
    owner_id       text NOT NULL,
    event_type     text NOT NULL,
    schema_version int NOT NULL,
    occurred_at    timestamptz NOT NULL,
    payload        jsonb NOT NULL
);

-- Inserts only, this table only: deletes by the pruner never reach Kafka.
CREATE PUBLICATION wallet_outbox FOR TABLE outbox_events WITH (publish = 'insert');

-- Where the relay is: the last event it published, so the pruner and the lag metric know.
CREATE TABLE outbox_relay_position (
    slot_name      text PRIMARY KEY,
    last_event_id  uuid NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- Events applied by each consumer, written in the same transaction as the consumer's effect, so a
-- redelivered event changes nothing.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
