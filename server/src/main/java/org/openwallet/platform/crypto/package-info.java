/** The one MAC (Signer, HMAC-SHA256) and the one cipher (Sealer, AES-GCM), and the keys they are derived from. */
@org.springframework.modulith.NamedInterface("crypto")
package org.openwallet.platform.crypto;
