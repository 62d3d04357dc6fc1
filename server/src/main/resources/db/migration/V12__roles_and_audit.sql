-- Roles are granted to existing users by an operator (./wallet admin grant <handle> <role>) and
-- checked against this table on every admin call, so a revoked role stops working at once.
CREATE TABLE user_roles (
    user_id    uuid NOT NULL REFERENCES users (id),
    role       text NOT NULL CONSTRAINT user_roles_role CHECK (role IN ('admin', 'support')),
    granted_by text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role)
);

-- Every admin and operator action, with who did it, to what, and the state before and after.
-- Append-only like the ledger: an audit trail that can be edited proves nothing.
CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    actor_id    uuid,
    actor       text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    before      jsonb,
    after       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
