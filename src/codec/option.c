/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * option.c -- CoAP option decoding, lookup, in-order insertion and checks.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "coap.h"
#include "codec/codec_internal.h"

#define PAYLOAD_MARKER 0xFFU

/* §3.1: nibble values 13 and 14 announce 1 or 2 extension bytes. */
#define EXT8_NIBBLE   13U
#define EXT16_NIBBLE  14U
#define EXT8_OFFSET   13U
#define EXT16_OFFSET  269U
#define RESERVED_NIBB 15U

/* Largest option number (the sum of all deltas must fit in 16 bits). */
#define OPTION_NUMBER_MAX 0xFFFFU

/*
 * End of the option area (offset of the byte after the last option), or 0
 * when the bookkeeping of @p cpkt does not fit its buffer.
 */
static uint32_t options_end(const struct coap_packet *cpkt)
{
	uint32_t end;

	if (cpkt == NULL || cpkt->data == NULL || cpkt->offset > cpkt->max_len ||
	    cpkt->hdr_len < COAP_FIXED_HEADER_SIZE ||
	    cpkt->hdr_len > COAP_FIXED_HEADER_SIZE + COAP_TOKEN_MAX_LEN) {
		return 0;
	}
	end = (uint32_t)cpkt->hdr_len + cpkt->opt_len;
	return end <= cpkt->offset ? end : 0;
}

/*
 * Decode an extended delta or length (§3.1). @p pos is advanced past the
 * extension bytes, which are bounds-checked against @p end before they are
 * read (the mbed-coap CVE-2020-12883 / libcoap OSS-Fuzz #199 class). The
 * result is computed in 32 bits: 0xFFFF + 269 does not fit in 16.
 */
static int decode_ext(const uint8_t *data, uint32_t *pos, uint32_t end, uint32_t nibble,
		      uint32_t *out)
{
	if (nibble < EXT8_NIBBLE) {
		*out = nibble;
		return 0;
	}
	if (nibble == EXT8_NIBBLE) {
		if (end - *pos < 1U) {
			return -EILSEQ;
		}
		*out = (uint32_t)data[*pos] + EXT8_OFFSET;
		*pos += 1U;
		return 0;
	}
	if (nibble == EXT16_NIBBLE) {
		if (end - *pos < 2U) {
			return -EILSEQ;
		}
		*out = (((uint32_t)data[*pos] << 8) | data[*pos + 1U]) + EXT16_OFFSET;
		*pos += 2U;
		return 0;
	}
	return -EILSEQ; /* 15: reserved outside the 0xFF payload marker */
}

void zcoap_option_iter_init(struct zcoap_option_iter *it, const struct coap_packet *cpkt)
{
	if (it == NULL) {
		return;
	}
	it->pkt = cpkt;
	it->pos = cpkt != NULL ? cpkt->hdr_len : 0;
	it->number = 0;
}

/*
 * The single option decoder of the codec: the parser, the finders and the
 * builder all walk options through here. It stops (returning 0) at the end
 * of the option area or on a 0xFF byte in option-header position, which is
 * how the parser finds the payload marker; it->pos then points at it.
 */
int zcoap_option_iter_next(struct zcoap_option_iter *it, uint16_t *number, const uint8_t **value,
			   uint16_t *len)
{
	const struct coap_packet *cpkt;
	uint32_t end;
	uint32_t pos;
	uint32_t delta;
	uint32_t vlen;
	uint32_t num;
	uint8_t byte;

	if (it == NULL || it->pkt == NULL || number == NULL || value == NULL || len == NULL) {
		return -EINVAL;
	}
	cpkt = it->pkt;
	end = options_end(cpkt);
	if (end == 0 || it->pos < cpkt->hdr_len) {
		return -EILSEQ;
	}
	pos = it->pos;
	if (pos >= end) {
		return 0;
	}
	byte = cpkt->data[pos];
	if (byte == PAYLOAD_MARKER) {
		return 0;
	}
	pos++;
	if (decode_ext(cpkt->data, &pos, end, (uint32_t)byte >> 4, &delta) < 0 ||
	    decode_ext(cpkt->data, &pos, end, (uint32_t)byte & 0x0FU, &vlen) < 0) {
		return -EILSEQ;
	}
	/* Option numbers are cumulative; a sum above 65535 is unrepresentable. */
	num = (uint32_t)it->number + delta;
	if (num > OPTION_NUMBER_MAX) {
		return -EILSEQ;
	}
	if (vlen > end - pos) {
		return -EILSEQ;
	}

	*number = (uint16_t)num;
	*len = (uint16_t)vlen;
	*value = vlen > 0 ? cpkt->data + pos : NULL;
	it->number = (uint16_t)num;
	it->pos = (uint16_t)(pos + vlen);
	return 1;
}

int zcoap_option_find(const struct coap_packet *cpkt, uint16_t number, const uint8_t **value,
		      uint16_t *len)
{
	struct zcoap_option_iter it;
	uint32_t end;
	uint16_t num;
	int r;

	if (cpkt == NULL || value == NULL || len == NULL) {
		return -EINVAL;
	}
	/*
	 * A well-formed packet without options (most responses; the client
	 * looks up five options in each): answer without setting up a walk.
	 * The walk would return the same, as it stops at the end of the
	 * (empty) option area.
	 */
	end = options_end(cpkt);
	if (end != 0 && end == cpkt->hdr_len) {
		*value = NULL;
		*len = 0;
		return -ENOENT;
	}
	zcoap_option_iter_init(&it, cpkt);
	while ((r = zcoap_option_iter_next(&it, &num, value, len)) == 1) {
		if (num == number) {
			return 0;
		}
		if (num > number) {
			break; /* wire order is ascending */
		}
	}
	*value = NULL;
	*len = 0;
	return r < 0 ? -EILSEQ : -ENOENT;
}

uint32_t zcoap_option_uint(const uint8_t *value, uint16_t len)
{
	uint32_t v = 0;
	uint16_t i;

	if (value == NULL) {
		return 0;
	}
	/* Longer values (not valid uints) give their low 32 bits. */
	for (i = 0; i < len; i++) {
		v = (v << 8) | value[i];
	}
	return v;
}

uint16_t zcoap_uint_encode(uint32_t val, uint8_t out[4])
{
	uint16_t n = 0;
	int shift;

	/* §3.2: shortest form, no leading zero bytes; 0 is the empty string. */
	for (shift = 24; shift >= 0; shift -= 8) {
		uint8_t b = (uint8_t)(val >> shift);

		if (n > 0 || b != 0) {
			out[n++] = b;
		}
	}
	return n;
}

unsigned int coap_option_value_to_int(const struct coap_option *option)
{
	unsigned int v = 0;
	uint8_t n;
	uint8_t i;

	if (option == NULL) {
		return 0;
	}
	n = option->len < COAP_OPTION_VALUE_MAX_LEN ? option->len : COAP_OPTION_VALUE_MAX_LEN;
	for (i = 0; i < n; i++) {
		v = (v << 8) | option->value[i]; /* unsigned: keeps the low 32 bits */
	}
	return v;
}

int coap_find_options(const struct coap_packet *cpkt, uint16_t code, struct coap_option *options,
		      uint16_t veclen)
{
	struct zcoap_option_iter it;
	const uint8_t *value;
	uint16_t num;
	uint16_t len;
	uint16_t count = 0;
	int r = 0;

	if (cpkt == NULL || (options == NULL && veclen > 0)) {
		return -EINVAL;
	}
	zcoap_option_iter_init(&it, cpkt);
	while (count < veclen && (r = zcoap_option_iter_next(&it, &num, &value, &len)) == 1) {
		if (num > code) {
			break;
		}
		if (num != code) {
			continue;
		}
		if (len > COAP_OPTION_VALUE_MAX_LEN) {
			return -EMSGSIZE;
		}
		options[count].delta = num;
		options[count].len = (uint8_t)len;
		if (len > 0) {
			memcpy(options[count].value, value, len);
		}
		count++;
	}
	if (count < veclen && r < 0) {
		return -EINVAL;
	}
	return count;
}

int coap_get_option_int(const struct coap_packet *cpkt, uint16_t code)
{
	const uint8_t *value;
	uint16_t len;
	uint32_t v;
	int r;

	if (cpkt == NULL) {
		return -EINVAL;
	}
	r = zcoap_option_find(cpkt, code, &value, &len);
	if (r == -ENOENT) {
		return -ENOENT;
	}
	if (r < 0 || len > 4) {
		return -EINVAL;
	}
	v = zcoap_option_uint(value, len);
	if (v > (uint32_t)INT_MAX) {
		return -ERANGE;
	}
	return (int)v;
}

/* Bytes needed for an extended delta or length of value @p v (§3.1). */
static uint32_t ext_size(uint32_t v)
{
	return v < EXT8_OFFSET ? 0U : (v < EXT16_OFFSET ? 1U : 2U);
}

/* Size of an option header (1 byte plus extensions) for @p delta and @p len. */
static uint32_t hdr_size(uint32_t delta, uint32_t len)
{
	return 1U + ext_size(delta) + ext_size(len);
}

static uint8_t nibble_for(uint32_t v)
{
	return (uint8_t)(v < EXT8_OFFSET ? v : (v < EXT16_OFFSET ? EXT8_NIBBLE : EXT16_NIBBLE));
}

static uint8_t *put_ext(uint8_t *p, uint32_t v)
{
	if (v >= EXT16_OFFSET) {
		v -= EXT16_OFFSET;
		*p++ = (uint8_t)(v >> 8);
		*p++ = (uint8_t)(v & 0xFFU);
	} else if (v >= EXT8_OFFSET) {
		*p++ = (uint8_t)(v - EXT8_OFFSET);
	}
	return p;
}

/* Write an option header; returns the number of bytes written (hdr_size()). */
static uint32_t put_hdr(uint8_t *p, uint32_t delta, uint32_t len)
{
	uint8_t *start = p;

	*p++ = (uint8_t)((nibble_for(delta) << 4) | nibble_for(len));
	p = put_ext(p, delta); /* §3.1: extended delta precedes extended length */
	p = put_ext(p, len);
	return (uint32_t)(p - start);
}

uint32_t zc_option_header_size(uint32_t delta, uint32_t len)
{
	return hdr_size(delta, len);
}

uint32_t zc_option_put_header(uint8_t *p, uint32_t delta, uint32_t len)
{
	return put_hdr(p, delta, len);
}

/*
 * Where an option numbered @p code goes: the first option with a larger
 * number, if any (so repeated numbers keep their append order).
 */
struct insert_point {
	uint32_t pos;      /* offset of the following option's header, or the area end */
	uint16_t prev;     /* number of the option before the insertion point */
	bool has_next;     /* an option follows */
	uint16_t next_num; /* its number */
	uint16_t next_len; /* its value length */
	uint32_t next_hdr; /* its current header size */
};

static int find_insert_point(const struct coap_packet *cpkt, uint16_t code, struct insert_point *ip)
{
	struct zcoap_option_iter it;
	const uint8_t *value;
	uint16_t num;
	uint16_t len;
	int r;

	memset(ip, 0, sizeof(*ip));
	zcoap_option_iter_init(&it, cpkt);
	for (;;) {
		uint32_t at = it.pos;
		uint16_t before = it.number;

		r = zcoap_option_iter_next(&it, &num, &value, &len);
		if (r < 0) {
			return -EINVAL;
		}
		if (r == 0) {
			ip->pos = at;
			ip->prev = before;
			return 0;
		}
		if (num > code) {
			ip->pos = at;
			ip->prev = before;
			ip->has_next = true;
			ip->next_num = num;
			ip->next_len = len;
			ip->next_hdr = (uint32_t)it.pos - at - len;
			return 0;
		}
	}
}

/*
 * Appending is an insertion at the end; an out-of-order option is inserted
 * before the first option with a larger number (RFC 7252 §3.1 requires
 * ascending wire order because numbers are delta-coded). The following
 * option's delta shrinks, which may shrink its header across the 13 and 269
 * boundaries while the new option adds bytes, so everything after the
 * insertion point is moved once, by the net difference, before the two
 * headers are written.
 *
 * @p value must not point into cpkt's own buffer (it may be moved).
 */
int coap_packet_append_option(struct coap_packet *cpkt, uint16_t code, const uint8_t *value,
			      uint16_t len)
{
	struct insert_point ip;
	uint32_t end = options_end(cpkt);
	uint32_t new_size;
	uint32_t next_hdr_new = 0;
	uint32_t tail_src;
	uint32_t tail_dst;
	uint32_t total;
	int r;

	if (end == 0 || (value == NULL && len > 0)) {
		return -EINVAL;
	}
	if (cpkt->offset != end) {
		return -EINVAL; /* the payload marker is already there */
	}

	if (cpkt->opt_len == 0 || code >= cpkt->delta) {
		/* Fast path: in order, appended at the end, nothing to move. */
		uint32_t delta = (uint32_t)code - (cpkt->opt_len == 0 ? 0U : cpkt->delta);
		uint8_t *p = cpkt->data + end;

		new_size = hdr_size(delta, len) + len;
		if (end + new_size > cpkt->max_len) {
			return -ENOSPC;
		}
		p += put_hdr(p, delta, len);
		if (len <= 8) {
			/* Most values are short (a path segment, a uint): no memcpy() call. */
			for (uint32_t i = 0; i < len; i++) {
				p[i] = value[i];
			}
		} else {
			memcpy(p, value, len);
		}
		cpkt->delta = code;
		cpkt->opt_len = (uint16_t)(cpkt->opt_len + new_size);
		cpkt->offset = (uint16_t)(end + new_size);
		return 0;
	}
	r = find_insert_point(cpkt, code, &ip);
	if (r < 0) {
		return r;
	}
	if (code < ip.prev) {
		return -EINVAL; /* inconsistent delta bookkeeping */
	}

	new_size = hdr_size((uint32_t)code - ip.prev, len) + len;
	if (ip.has_next) {
		next_hdr_new = hdr_size((uint32_t)ip.next_num - code, ip.next_len);
	}
	/* Sizes in 32 bits: the message may not exceed max_len (<= 65535). */
	total = cpkt->offset + new_size + next_hdr_new - ip.next_hdr;
	if (total > cpkt->max_len) {
		return -ENOSPC;
	}

	/* Move the rest (starting after the following option's old header). */
	tail_src = ip.pos + ip.next_hdr;
	tail_dst = ip.pos + new_size + next_hdr_new;
	if (tail_src < cpkt->offset) {
		memmove(cpkt->data + tail_dst, cpkt->data + tail_src, cpkt->offset - tail_src);
	}
	(void)put_hdr(cpkt->data + ip.pos, (uint32_t)code - ip.prev, len);
	if (len > 0) {
		memcpy(cpkt->data + ip.pos + new_size - len, value, len);
	}
	if (ip.has_next) {
		(void)put_hdr(cpkt->data + ip.pos + new_size, (uint32_t)ip.next_num - code,
			      ip.next_len);
	} else {
		cpkt->delta = code;
	}
	cpkt->opt_len = (uint16_t)(cpkt->opt_len + (total - cpkt->offset));
	cpkt->offset = (uint16_t)total;
	return 0;
}

int coap_append_option_int(struct coap_packet *cpkt, uint16_t code, unsigned int val)
{
	uint8_t buf[4];
	uint16_t n;

#if UINT_MAX > UINT32_MAX
	if (val > UINT32_MAX) {
		return -EINVAL;
	}
#endif
	n = zcoap_uint_encode((uint32_t)val, buf);
	return coap_packet_append_option(cpkt, code, n > 0 ? buf : NULL, n);
}

/*
 * Removing an option gives its delta to the following option, whose header
 * may grow (by at most 2 bytes) while the removed option's bytes go away;
 * the net change is never positive, but it is computed generally.
 */
int coap_packet_remove_option(struct coap_packet *cpkt, uint16_t code)
{
	struct zcoap_option_iter it;
	const uint8_t *value;
	uint16_t num;
	uint16_t len;
	uint32_t end = options_end(cpkt);
	uint32_t start;
	uint16_t prev;
	uint32_t cut_end;
	uint32_t next_hdr_new = 0;
	uint32_t total;
	int r;

	if (end == 0) {
		return -EINVAL;
	}
	zcoap_option_iter_init(&it, cpkt);
	for (;;) {
		start = it.pos;
		prev = it.number;
		r = zcoap_option_iter_next(&it, &num, &value, &len);
		if (r < 0) {
			return -EINVAL;
		}
		if (r == 0 || num > code) {
			return 0; /* absent */
		}
		if (num == code) {
			break;
		}
	}

	/* Look at the option after the one removed. */
	cut_end = it.pos;
	r = zcoap_option_iter_next(&it, &num, &value, &len);
	if (r < 0) {
		return -EINVAL;
	}
	if (r == 1) {
		/* Its old header goes too; a new one with the summed delta replaces it. */
		cut_end = (uint32_t)it.pos - len;
		next_hdr_new = hdr_size((uint32_t)num - prev, len);
	}
	total = cpkt->offset - (cut_end - start) + next_hdr_new;
	if (total > cpkt->max_len) {
		return -ENOSPC; /* cannot happen (see above), kept as a guard */
	}
	memmove(cpkt->data + start + next_hdr_new, cpkt->data + cut_end, cpkt->offset - cut_end);
	if (r == 1) {
		(void)put_hdr(cpkt->data + start, (uint32_t)num - prev, len);
	} else {
		cpkt->delta = prev; /* the last option was removed */
	}
	cpkt->opt_len = (uint16_t)(cpkt->opt_len + next_hdr_new - (cut_end - start));
	cpkt->offset = (uint16_t)total;
	return 0;
}

/* ---- RFC 7252 §5.4 option acceptance rules ------------------------------ */

struct option_rule {
	uint16_t number;
	uint16_t min_len;
	uint16_t max_len;
	bool repeatable; /* in a response */
};

/*
 * Options this client recognises with their length ranges (RFC 7252 §5.10,
 * RFC 7641 §2, RFC 7959 §2.1, RFC 8768 §3, RFC 9175 §2.2.1/§3.2, RFC 7967 §2).
 * ETag is repeatable only in requests (§5.10.6.2): in a response a second
 * ETag is a repeated non-repeatable (elective) option, ignored (§5.4.4).
 * OSCORE (9) is deliberately absent: this client does not implement it, so
 * it is an unrecognised critical option and a response carrying it is
 * rejected (§5.4.1). C = critical, E = elective (§5.4.6: odd = critical).
 */
/* Sorted by option number (find_rule() searches it by halves). */
static const struct option_rule option_rules[] = {
    {COAP_OPTION_IF_MATCH, 0, 8, true},         /* C, RFC 7252 §5.10.8.1 */
    {COAP_OPTION_URI_HOST, 1, 255, false},      /* C, §5.10.1 */
    {COAP_OPTION_ETAG, 1, 8, false},            /* E, §5.10.6 (repeatable in requests only) */
    {COAP_OPTION_IF_NONE_MATCH, 0, 0, false},   /* C, §5.10.8.2 */
    {COAP_OPTION_OBSERVE, 0, 3, false},         /* E, RFC 7641 §2 */
    {COAP_OPTION_URI_PORT, 0, 2, false},        /* C, §5.10.1 */
    {COAP_OPTION_LOCATION_PATH, 0, 255, true},  /* E, §5.10.7 */
    {COAP_OPTION_URI_PATH, 0, 255, true},       /* C, §5.10.1 */
    {COAP_OPTION_CONTENT_FORMAT, 0, 2, false},  /* E, §5.10.3 */
    {COAP_OPTION_MAX_AGE, 0, 4, false},         /* E, §5.10.5 */
    {COAP_OPTION_URI_QUERY, 0, 255, true},      /* C, §5.10.1 */
    {COAP_OPTION_HOP_LIMIT, 1, 1, false},       /* E, RFC 8768 §3 */
    {COAP_OPTION_ACCEPT, 0, 2, false},          /* C, §5.10.4 */
    {COAP_OPTION_LOCATION_QUERY, 0, 255, true}, /* E, §5.10.7 */
    {COAP_OPTION_BLOCK2, 0, 3, false},          /* C, RFC 7959 §2.1 */
    {COAP_OPTION_BLOCK1, 0, 3, false},          /* C, RFC 7959 §2.1 */
    {COAP_OPTION_SIZE2, 0, 4, false},           /* E, RFC 7959 §4 */
    {COAP_OPTION_PROXY_URI, 1, 1034, false},    /* C, §5.10.2 */
    {COAP_OPTION_PROXY_SCHEME, 1, 255, false},  /* C, §5.10.2 */
    {COAP_OPTION_SIZE1, 0, 4, false},           /* E, §5.10.9 */
    {COAP_OPTION_ECHO, 1, 40, false},           /* E, RFC 9175 §2.2.1 */
    {COAP_OPTION_NO_RESPONSE, 0, 1, false},     /* E, RFC 7967 §2 */
    {COAP_OPTION_REQUEST_TAG, 0, 8, true},      /* E, RFC 9175 §3.2 */
};

static const struct option_rule *find_rule(uint16_t number)
{
	size_t lo = 0;
	size_t hi = sizeof(option_rules) / sizeof(option_rules[0]);

	/*
	 * Binary search: the table is in ascending option order, and the
	 * client looks up rules for several options of every response (a
	 * linear scan was ~100 instructions per lookup).
	 */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (option_rules[mid].number == number) {
			return &option_rules[mid];
		}
		if (option_rules[mid].number < number) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

/* §5.4.6: the lowest bit of the option number marks it critical. */
static bool is_critical(uint16_t number)
{
	return (number & 1U) != 0;
}

/*
 * An occurrence is "usable" when it is recognised, the first of its number
 * (or of a repeatable option) and inside its length range; otherwise
 * §5.4.1/§5.4.3/§5.4.4 say to treat it as unrecognised: fatal when critical,
 * ignored when elective.
 */
int zc_response_check_options(const struct coap_packet *cpkt)
{
	return zc_response_index_options(cpkt, NULL);
}

void zc_opt_walk_init(struct zc_opt_walk *w, struct zc_opt_index *idx)
{
	w->idx = idx;
	w->check = 0;
	w->prev = 0;
	w->first = true;
	w->fits = true;
	if (idx != NULL) {
		idx->n = 0;
		idx->complete = false;
	}
}

void zc_opt_walk_step(struct zc_opt_walk *w, uint16_t num, const uint8_t *value, uint16_t len)
{
	const struct option_rule *rule;
	bool repeated = !w->first && num == w->prev;

	if (w->check < 0) {
		return; /* the verdict is in: the rest is not looked at */
	}
	w->first = false;
	w->prev = num;
	/* Numbers only ascend (deltas): the first of a run is the first occurrence. */
	if (w->idx != NULL && !repeated) {
		if (w->idx->n < ZC_OPT_INDEX_MAX) {
			w->idx->e[w->idx->n].number = num;
			w->idx->e[w->idx->n].len = len;
			w->idx->e[w->idx->n].value = value;
			w->idx->n++;
		} else {
			w->fits = false;
		}
	}
	if (!is_critical(num)) {
		return; /* elective: consumers skip unusable occurrences */
	}
	rule = find_rule(num);
	if (rule == NULL || len < rule->min_len || len > rule->max_len ||
	    (repeated && !rule->repeatable)) {
		w->check = -ENOTSUP;
	}
}

int zc_opt_walk_end(struct zc_opt_walk *w, bool malformed)
{
	if (w->check == 0 && malformed) {
		w->check = -EILSEQ;
	}
	if (w->idx != NULL) {
		w->idx->complete = w->check == 0 && w->fits;
	}
	return w->check;
}

int zc_response_index_options(const struct coap_packet *cpkt, struct zc_opt_index *idx)
{
	struct zcoap_option_iter it;
	struct zc_opt_walk w;
	const uint8_t *value;
	uint16_t num;
	uint16_t len;
	int r = 0;

	zc_opt_walk_init(&w, idx);
	if (cpkt == NULL) {
		return -EINVAL;
	}
	zcoap_option_iter_init(&it, cpkt);
	while (w.check == 0 && (r = zcoap_option_iter_next(&it, &num, &value, &len)) == 1) {
		zc_opt_walk_step(&w, num, value, len);
	}
	return zc_opt_walk_end(&w, w.check == 0 && r < 0);
}

int zc_opt_index_get(const struct zc_opt_index *idx, uint16_t number, const uint8_t **value,
		     uint16_t *len)
{
	const struct option_rule *rule;

	for (unsigned int i = 0; i < idx->n && idx->e[i].number <= number; i++) {
		if (idx->e[i].number != number) {
			continue;
		}
		/* As zc_option_get_checked(): an out-of-range first occurrence is absent. */
		rule = find_rule(number);
		if (rule != NULL &&
		    (idx->e[i].len < rule->min_len || idx->e[i].len > rule->max_len)) {
			break;
		}
		*value = idx->e[i].value;
		*len = idx->e[i].len;
		return 0;
	}
	*value = NULL;
	*len = 0;
	return -ENOENT;
}

int zc_option_get_checked(const struct coap_packet *cpkt, uint16_t number, const uint8_t **value,
			  uint16_t *len)
{
	const struct option_rule *rule;
	int r;

	if (value == NULL || len == NULL) {
		return -ENOENT;
	}
	/* Only the first occurrence counts: later ones of a non-repeatable
	 * option are "unrecognised" (§5.4.4) and never returned. */
	r = zcoap_option_find(cpkt, number, value, len);
	if (r < 0) {
		*value = NULL;
		*len = 0;
		return -ENOENT;
	}
	rule = find_rule(number);
	if (rule != NULL && (*len < rule->min_len || *len > rule->max_len)) {
		*value = NULL;
		*len = 0;
		return -ENOENT;
	}
	return 0;
}
