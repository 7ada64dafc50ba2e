/*
 * lib/iana.h: the IKEv2 numbers IANA assigns (RFC 7296 3 and the
 * registry "Internet Key Exchange Version 2 (IKEv2) Parameters"), named
 * once for config/, ike/ and kernel/: exchange, payload, protocol,
 * transform, ID, authentication, traffic selector and notify types, and
 * the transform ids tunsh knows.  Numbers only, no code; read it against
 * the registry (tests/unit/test_lib.c checks a few against the RFCs).
 */
#ifndef TUNSH_LIB_IANA_H
#define TUNSH_LIB_IANA_H

/* RFC 7296 3.1: exchange types. */
enum ike_exchange {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	IKE_CREATE_CHILD_SA = 36,
	IKE_INFORMATIONAL = 37,
};

/* RFC 7296 3.2: payload types (53: RFC 7383 2.5). */
enum ike_payload_type {
	IKE_PL_NONE = 0,
	IKE_PL_SA = 33,
	IKE_PL_KE = 34,
	IKE_PL_IDI = 35,
	IKE_PL_IDR = 36,
	IKE_PL_CERT = 37,
	IKE_PL_CERTREQ = 38,
	IKE_PL_AUTH = 39,
	IKE_PL_NONCE = 40,
	IKE_PL_NOTIFY = 41,
	IKE_PL_DELETE = 42,
	IKE_PL_VENDOR = 43,
	IKE_PL_TSI = 44,
	IKE_PL_TSR = 45,
	IKE_PL_SK = 46,
	IKE_PL_CP = 47,
	IKE_PL_EAP = 48,
	IKE_PL_SKF = 53,
};

/* Protocol IDs of proposals, notifies and deletes (3.3.1). */
enum ike_protocol {
	IKE_PROTO_IKE = 1,
	IKE_PROTO_AH = 2,
	IKE_PROTO_ESP = 3,
};

/* Transform types (RFC 7296 3.3.2). */
#define IKE_TRANS_ENCR	1
#define IKE_TRANS_PRF	2
#define IKE_TRANS_INTEG 3
#define IKE_TRANS_DH	4
#define IKE_TRANS_ESN	5

/* Transform type 1, encryption algorithms (RFC 7296 3.3.2, RFC 4106,
 * RFC 7634). */
enum ike_encr_id {
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_GCM_16 = 20,
	IKE_ENCR_CHACHA20_POLY1305 = 28,
};

/* Transform type 2, pseudorandom functions (RFC 7296, RFC 4868). */
enum ike_prf_id {
	IKE_PRF_HMAC_SHA1 = 2,
	IKE_PRF_HMAC_SHA2_256 = 5,
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
};

/* Transform type 3, integrity algorithms (RFC 7296, RFC 4868). */
enum ike_integ_id {
	IKE_AUTH_HMAC_SHA1_96 = 2,
	IKE_AUTH_HMAC_SHA2_256_128 = 12,
	IKE_AUTH_HMAC_SHA2_384_192 = 13,
	IKE_AUTH_HMAC_SHA2_512_256 = 14,
};

/* Transform type 4, key exchange methods (RFC 3526, RFC 5903, RFC 8031). */
enum ike_dh_id {
	IKE_DH_MODP_2048 = 14,
	IKE_DH_MODP_3072 = 15,
	IKE_DH_MODP_4096 = 16,
	IKE_DH_ECP_256 = 19,
	IKE_DH_ECP_384 = 20,
	IKE_DH_ECP_521 = 21,
	IKE_DH_CURVE25519 = 31,
};

/* Transform type 5, extended sequence numbers (RFC 7296 3.3.2). */
enum ike_esn_id {
	IKE_ESN_NONE = 0,
	IKE_ESN_EXTENDED = 1,
};

/* RFC 7296 3.3.5: transform attribute types (the only one, TV form). */
#define IKE_ATTR_KEY_LENGTH 14

/* RFC 7296 3.5 ID types, 3.8 authentication methods, 3.13.1 TS types. */
#define IKE_ID_IPV4_ADDR       1
#define IKE_ID_FQDN	       2
#define IKE_ID_IPV6_ADDR       5
#define IKE_AUTH_PSK	       2 /* Shared Key Message Integrity Code */
#define IKE_TS_IPV4_ADDR_RANGE 7
#define IKE_TS_IPV6_ADDR_RANGE 8

/* RFC 7296 3.10.1: notify message types. */
enum ike_notify {
	N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	N_INVALID_IKE_SPI = 4,
	N_INVALID_MAJOR_VERSION = 5,
	N_INVALID_SYNTAX = 7,
	N_INVALID_MESSAGE_ID = 9,
	N_NO_PROPOSAL_CHOSEN = 14,
	N_INVALID_KE_PAYLOAD = 17,
	N_AUTHENTICATION_FAILED = 24,
	N_TS_UNACCEPTABLE = 38,
	N_TEMPORARY_FAILURE = 43,
	N_CHILD_SA_NOT_FOUND = 44,
	N_ERROR_MAX = 16383, /* below: errors; above: status */
	N_INITIAL_CONTACT = 16384,
	N_NAT_DETECTION_SOURCE_IP = 16388,
	N_NAT_DETECTION_DESTINATION_IP = 16389,
	N_COOKIE = 16390,
	N_USE_TRANSPORT_MODE = 16391,
	N_REKEY_SA = 16393,
	N_IKEV2_FRAGMENTATION_SUPPORTED = 16430, /* RFC 7383 2.3 */
};

#endif
