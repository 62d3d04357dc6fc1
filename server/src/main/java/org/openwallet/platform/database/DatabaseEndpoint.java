package org.openwallet.platform.database;

import java.net.URI;

/**
 * Where the ledger database is, for the clients that do not go through the pool: the change data
 * capture relay opens a replication connection of its own.
 */
public record DatabaseEndpoint(String host, int port, String database, String username, String password) {

    /** Reads {@code jdbc:postgresql://host[:port]/database[?…]}; one host only. */
    static DatabaseEndpoint fromJdbcUrl(String jdbcUrl, String username, String password) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
            throw new IllegalArgumentException(
                    "the relay needs jdbc:postgresql://host[:port]/database, not " + jdbcUrl);
        }
        return new DatabaseEndpoint(
                uri.getHost(),
                uri.getPort() < 0 ? 5432 : uri.getPort(),
                uri.getPath().substring(1),
                username,
                password == null ? "" : password);
    }

    /** Without the password: a record prints every component, and an endpoint may end up in a log line or an exception message. */
    @Override
    public String toString() {
        return "DatabaseEndpoint[host=" + host + ", port=" + port + ", database=" + database + ", username=" + username
                + ", password=****]";
    }
}
