package org.openwallet.platform.web;

import java.io.IOException;
import java.io.Serial;
import org.openwallet.platform.config.WalletProperties;

/** The request body crossed {@link WalletProperties.Http#maxBodyBytes()}. */
public class RequestBodyTooLargeException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    public RequestBodyTooLargeException(long limitBytes) {
        super("The request body is larger than " + limitBytes + " bytes.");
    }
}
