/** Demo users alice and bob, each funded with 1,000.00 through an ordinary ledger transfer; only with {@code --demo}. */
package org.openwallet.demo;
