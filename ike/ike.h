/*
 * ike/ike.h: the in-process IKEv2 engine (RFC 7296 with pre-shared keys,
 * DPD, rekeying, NAT-T).  It will implement config/'s apply interface for
 * tunnels and reach the kernel only through kernel/kernel.h.
 */
#ifndef TUNSH_IKE_H
#define TUNSH_IKE_H

#endif
