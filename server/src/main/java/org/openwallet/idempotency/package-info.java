/**
 * Idempotency-Key handling for every POST that moves money, with the semantics of
 * draft-ietf-httpapi-idempotency-key-header and Stripe: a retry with the same key and body gets
 * the first response again, byte for byte; a key reused with another body is refused; a key whose
 * first request is still running answers 409. PostgreSQL is the durable truth: the record commits
 * in the same transaction as the money it describes.
 */
@ApplicationModule(allowedDependencies = {"platform::config", "platform::database", "platform::redis", "platform::web"})
package org.openwallet.idempotency;

import org.springframework.modulith.ApplicationModule;
