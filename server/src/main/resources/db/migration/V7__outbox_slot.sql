-- The replication slot is created here, before the application writes anything, so the WAL keeps
-- every outbox insert from now on even if the relay has never run. Outside a transaction: a slot
-- cannot be created in one that has written.
SELECT pg_create_logical_replication_slot('wallet_outbox', 'pgoutput')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'wallet_outbox');
