/**
 * Person-to-person payments: the API, the checks before money moves, and the orchestration of one
 * ledger transaction that commits the postings and the idempotency record together.
 */
package org.openwallet.transfer;
