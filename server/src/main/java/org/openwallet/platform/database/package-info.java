/** PostgreSQL: the pool and migrations, the one way to run a transaction (with its retry of serialization failures and deadlocks), deferred writes, and database health. */
@org.springframework.modulith.NamedInterface("database")
package org.openwallet.platform.database;
