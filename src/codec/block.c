/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * block.c -- Block1/Block2/Size1/Size2 options and block contexts (RFC 7959).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap.h"
#include "codec/codec_internal.h"

/* RFC 7959 §2.2: NUM has at most 20 bits in a 3-byte value. */
#define BLOCK_NUM_MAX 0xFFFFFU
#define SZX_RESERVED  7U

int zcoap_block_decode(const uint8_t *value, uint16_t len, uint32_t *num, bool *more, uint8_t *szx)
{
	uint32_t v;

	/* A 4-byte Block option is out of range (§2.2, and RIOT ee1fa0ef). */
	if (len > 3 || (value == NULL && len > 0)) {
		return -EINVAL;
	}
	v = zcoap_option_uint(value, len);
	if ((v & 0x07U) == SZX_RESERVED) {
		return -EINVAL; /* §2.2: SZX 7 is reserved */
	}
	if (num != NULL) {
		*num = v >> 4;
	}
	if (more != NULL) {
		*more = (v & 0x08U) != 0;
	}
	if (szx != NULL) {
		*szx = (uint8_t)(v & 0x07U);
	}
	return 0;
}

uint16_t zcoap_block_encode(uint32_t num, bool more, uint8_t szx, uint8_t out[3])
{
	uint8_t buf[4];
	uint32_t v = ((num & BLOCK_NUM_MAX) << 4) | (more ? 0x08U : 0U) | (szx & 0x07U);
	uint16_t n = zcoap_uint_encode(v, buf);
	uint16_t i;

	/* v < 2^24, so the shortest form has at most 3 bytes. */
	for (i = 0; i < n; i++) {
		out[i] = buf[i];
	}
	return n;
}

int coap_block_transfer_init(struct coap_block_context *ctx, enum coap_block_size block_size,
			     size_t total_size)
{
	if (ctx == NULL || (unsigned int)block_size > (unsigned int)COAP_BLOCK_1024) {
		return -EINVAL;
	}
	ctx->block_size = block_size;
	ctx->total_size = total_size;
	ctx->current = 0;
	return 0;
}

static bool ctx_valid(const struct coap_block_context *ctx)
{
	return ctx != NULL && (unsigned int)ctx->block_size <= (unsigned int)COAP_BLOCK_1024;
}

static int append_block(struct coap_packet *cpkt, const struct coap_block_context *ctx,
			uint16_t option, bool more)
{
	uint8_t buf[3];
	size_t bytes;
	size_t num;
	uint16_t n;

	if (cpkt == NULL || !ctx_valid(ctx)) {
		return -EINVAL;
	}
	bytes = coap_block_size_to_bytes(ctx->block_size);
	num = ctx->current / bytes;
	if (num > BLOCK_NUM_MAX) {
		return -EINVAL;
	}
	n = zcoap_block_encode((uint32_t)num, more, (uint8_t)ctx->block_size, buf);
	return coap_packet_append_option(cpkt, option, n > 0 ? buf : NULL, n);
}

/* M: more bytes of the body follow this block (§2.2). */
static bool more_after(const struct coap_block_context *ctx)
{
	size_t bytes = coap_block_size_to_bytes(ctx->block_size);

	return ctx->current < ctx->total_size && ctx->total_size - ctx->current > bytes;
}

int coap_append_block1_option(struct coap_packet *cpkt, struct coap_block_context *ctx)
{
	if (!ctx_valid(ctx)) {
		return -EINVAL;
	}
	return append_block(cpkt, ctx, COAP_OPTION_BLOCK1, more_after(ctx));
}

int coap_append_block2_option(struct coap_packet *cpkt, struct coap_block_context *ctx)
{
	if (!ctx_valid(ctx)) {
		return -EINVAL;
	}
	/* §2.4: in a request Block2 is a control option and M is always 0. */
	return append_block(cpkt, ctx, COAP_OPTION_BLOCK2,
			    !coap_packet_is_request(cpkt) && more_after(ctx));
}

static int append_size(struct coap_packet *cpkt, const struct coap_block_context *ctx,
		       uint16_t option)
{
	if (cpkt == NULL || ctx == NULL) {
		return -EINVAL;
	}
#if SIZE_MAX > UINT32_MAX
	if (ctx->total_size > UINT32_MAX) {
		return -EINVAL; /* Size1/Size2 are 0..4-byte uints */
	}
#endif
	return coap_append_option_int(cpkt, option, (unsigned int)ctx->total_size);
}

int coap_append_size1_option(struct coap_packet *cpkt, struct coap_block_context *ctx)
{
	return append_size(cpkt, ctx, COAP_OPTION_SIZE1);
}

int coap_append_size2_option(struct coap_packet *cpkt, struct coap_block_context *ctx)
{
	return append_size(cpkt, ctx, COAP_OPTION_SIZE2);
}

/* Decode a block option of @p cpkt; returns -ENOENT, -EINVAL or 0. */
static int get_block(const struct coap_packet *cpkt, uint16_t option, uint32_t *num, bool *more,
		     uint8_t *szx)
{
	const uint8_t *value;
	uint16_t len;
	int r;

	if (cpkt == NULL) {
		return -EINVAL;
	}
	r = zcoap_option_find(cpkt, option, &value, &len);
	if (r == -ENOENT) {
		return -ENOENT;
	}
	if (r < 0) {
		return -EINVAL;
	}
	return zcoap_block_decode(value, len, num, more, szx);
}

static int get_block_option(const struct coap_packet *cpkt, uint16_t option, bool *has_more,
			    uint32_t *block_number)
{
	uint32_t num;
	bool more;
	uint8_t szx;
	int r = get_block(cpkt, option, &num, &more, &szx);

	if (r < 0) {
		return r;
	}
	/* NULL outputs are allowed for callers that only want the size. */
	if (has_more != NULL) {
		*has_more = more;
	}
	if (block_number != NULL) {
		*block_number = num;
	}
	return coap_block_size_to_bytes((enum coap_block_size)szx);
}

int coap_get_block1_option(const struct coap_packet *cpkt, bool *has_more, uint32_t *block_number)
{
	return get_block_option(cpkt, COAP_OPTION_BLOCK1, has_more, block_number);
}

int coap_get_block2_option(const struct coap_packet *cpkt, bool *has_more, uint32_t *block_number)
{
	return get_block_option(cpkt, COAP_OPTION_BLOCK2, has_more, block_number);
}

/*
 * Which block option describes the payload of @p cpkt (RFC 7959 §2.3):
 * Block1 in a request, Block2 in a response. The other one is a control
 * option (a request for a block size / an acknowledgement of an upload).
 */
static uint16_t descriptive_option(const struct coap_packet *cpkt)
{
	return coap_packet_is_request(cpkt) ? COAP_OPTION_BLOCK1 : COAP_OPTION_BLOCK2;
}

/*
 * Semantics (in the spirit of Zephyr's): if the message carries its
 * descriptive block option, the context moves to that block: current =
 * NUM x the message's block size, and the context keeps the smaller of the
 * two block sizes (§2.5: a peer may lower the size, the size never grows).
 * The matching Size option (Size1 with Block1, Size2 with Block2) sets
 * total_size. Without a descriptive option, a control block option only
 * lowers the block size. Checking that the block is the one expected is the
 * caller's job (the client engine).
 */
int coap_update_from_block(const struct coap_packet *cpkt, struct coap_block_context *ctx)
{
	uint16_t desc = descriptive_option(cpkt);
	uint16_t ctrl = desc == COAP_OPTION_BLOCK1 ? COAP_OPTION_BLOCK2 : COAP_OPTION_BLOCK1;
	uint16_t size_opt = desc == COAP_OPTION_BLOCK1 ? COAP_OPTION_SIZE1 : COAP_OPTION_SIZE2;
	uint64_t current;
	uint64_t total;
	uint32_t num;
	bool more;
	uint8_t szx;
	const uint8_t *size_val;
	uint16_t size_len;
	int r;

	if (cpkt == NULL || !ctx_valid(ctx)) {
		return -EINVAL;
	}
	r = get_block(cpkt, desc, &num, &more, &szx);
	if (r == -ENOENT) {
		r = get_block(cpkt, ctrl, &num, &more, &szx);
		if (r == -ENOENT) {
			return 0;
		}
		if (r < 0) {
			return r;
		}
		if (szx < (uint8_t)ctx->block_size) {
			ctx->block_size = (enum coap_block_size)szx;
		}
		return 0;
	}
	if (r < 0) {
		return r;
	}

	/* NUM < 2^20 and size <= 1024, but compute widely and check anyway. */
	current = (uint64_t)num << (szx + 4U);
	if (current > SIZE_MAX) {
		return -EINVAL;
	}
	/*
	 * Size1/Size2 are elective: one of more than 4 bytes is ignored
	 * (§5.4.3), and values up to 2^32-1 are valid (not just up to INT_MAX).
	 */
	total = ctx->total_size;
	if (zc_option_get_checked(cpkt, size_opt, &size_val, &size_len) == 0) {
		total = zcoap_option_uint(size_val, size_len);
	}
	/* A block starting beyond the announced body cannot be right. */
	if (total > 0 && current > total) {
		return -EINVAL;
	}
	ctx->total_size = (size_t)total;
	ctx->current = (size_t)current;
	if (szx < (uint8_t)ctx->block_size) {
		ctx->block_size = (enum coap_block_size)szx;
	}
	return 0;
}

/*
 * The descriptive block of @p cpkt has been handled: advance past it. A
 * non-final block advances by the context's block size, or by the payload
 * when less arrived (a truncated datagram: the next NUM then asks again for
 * the missing part); the final block (M = 0) advances by its payload and
 * ends the transfer.
 */
size_t coap_next_block(const struct coap_packet *cpkt, struct coap_block_context *ctx)
{
	uint32_t num;
	bool more;
	uint8_t szx;
	uint16_t payload_len = 0;
	size_t step;
	size_t bytes;

	if (cpkt == NULL || !ctx_valid(ctx)) {
		return 0;
	}
	if (get_block(cpkt, descriptive_option(cpkt), &num, &more, &szx) < 0) {
		return 0;
	}
	(void)coap_packet_get_payload(cpkt, &payload_len);
	bytes = coap_block_size_to_bytes(ctx->block_size);
	step = more && payload_len > bytes ? bytes : payload_len;
	if (ctx->current > SIZE_MAX - step) {
		return 0;
	}
	ctx->current += step;
	return more ? ctx->current : 0;
}
