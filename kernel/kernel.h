/*
 * kernel/kernel.h: netlink XFRM SAs and policies, routes and links, behind
 * an ops struct so the IKE engine can be tested without a kernel.
 */
#ifndef TUNSH_KERNEL_H
#define TUNSH_KERNEL_H

#endif
