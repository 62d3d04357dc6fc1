/**
 * Money in and out: linked bank accounts ({@code /v1/bank-accounts}), deposits and withdrawals
 * ({@code /v1/funding/...}) as state machines over pending ledger transfers, the bank network behind
 * one adapter ({@link org.openwallet.funding.BankNetwork}), the signed bank webhook that feeds
 * {@code bank.events}, the consumer that settles or voids each request exactly once, and the daily
 * reconciliation against the bank's settlement report.
 */
@ApplicationModule(
        allowedDependencies = {
            "audit",
            "events",
            "fraud",
            "idempotency",
            "identity",
            "ledger",
            "outbox",
            "platform",
            "platform::config",
            "platform::crypto",
            "platform::database",
            "platform::kafka",
            "platform::money",
            "platform::web",
            "ratelimit"
        })
package org.openwallet.funding;

import org.springframework.modulith.ApplicationModule;
