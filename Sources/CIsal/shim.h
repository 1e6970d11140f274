#ifndef MODELWATCH_CISAL_SHIM_H
#define MODELWATCH_CISAL_SHIM_H
// Intel ISA-L's inflate (Debian `libisal-dev`, 2.30), wrapped so Swift never sees
// `struct inflate_state`: it holds 64 KiB C arrays that Swift would import as tuples, and its
// state keeps pointers into itself, so it must stay at one heap address for its whole life.
// Every function below takes the opaque handle `modelwatch_isal_create` returns.
#include <isa-l/igzip_lib.h>
#include <stdint.h>
#include <stdlib.h>

/// One member decoder: the inflate state and the gzip header it parses, which must live across
/// calls (ISA-L keeps how far it got in a split header in both).
typedef struct modelwatch_isal {
    struct inflate_state state;
    struct isal_gzip_header header;
    /// 1 once this member's header has been parsed and the deflate data is being inflated.
    int in_body;
} modelwatch_isal;

/// What one call did: input bytes consumed, output bytes produced, and whether the member's
/// trailer (CRC-32 and ISIZE) was read and verified.
typedef struct modelwatch_isal_step {
    uint32_t consumed;
    uint32_t produced;
    int member_finished;
} modelwatch_isal_step;

static inline void modelwatch_isal_start_member(modelwatch_isal *decoder) {
    isal_inflate_reset(&decoder->state);
    isal_gzip_header_init(&decoder->header);
    decoder->in_body = 0;
}

/// A new decoder, or NULL when memory ran out.
static inline void *modelwatch_isal_create(void) {
    modelwatch_isal *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    isal_inflate_init(&decoder->state);
    modelwatch_isal_start_member(decoder);
    return decoder;
}

static inline void modelwatch_isal_destroy(void *handle) { free(handle); }

/// Starts the next member (after one finished).
static inline void modelwatch_isal_next_member(void *handle) { modelwatch_isal_start_member(handle); }

/// Feeds `input` to the current member (header first, then its deflate data and trailer) and
/// writes at most `output_size` decoded bytes to `output`. Returns ISA-L's code: 0 or
/// ISAL_END_INPUT to go on, a negative ISAL_* code when the member is corrupt.
///
/// ISA-L 2.30 mis-parses a gzip header split across calls when `crc_flag` is ISAL_GZIP, so the
/// header is read here with `isal_read_gzip_header` (which resumes a split header) and the body
/// is inflated with ISAL_GZIP_NO_HDR_VER: raw deflate, then the 8-byte trailer checked.
/// ISA-L never holds `input` or `output` after returning: both pointers are cleared.
static inline int modelwatch_isal_feed(
    void *handle, const uint8_t *input, uint32_t input_size, uint8_t *output, uint32_t output_size,
    modelwatch_isal_step *step) {
    modelwatch_isal *decoder = handle;
    struct inflate_state *state = &decoder->state;
    state->next_in = (uint8_t *)input;
    state->avail_in = input_size;
    state->next_out = output;
    state->avail_out = output_size;
    step->member_finished = 0;
    int code = ISAL_DECOMP_OK;
    if (!decoder->in_body) {
        code = isal_read_gzip_header(state, &decoder->header);
        if (code == ISAL_DECOMP_OK) {
            decoder->in_body = 1;
            state->crc_flag = ISAL_GZIP_NO_HDR_VER;
        } else if (code == ISAL_END_INPUT) {
            code = ISAL_DECOMP_OK;
        }
    }
    if (decoder->in_body && code == ISAL_DECOMP_OK) {
        code = isal_inflate(state);
        if (code >= 0 && state->block_state == ISAL_BLOCK_FINISH) step->member_finished = 1;
    }
    step->consumed = input_size - state->avail_in;
    step->produced = output_size - state->avail_out;
    state->next_in = NULL;
    state->avail_in = 0;
    state->next_out = NULL;
    state->avail_out = 0;
    return code;
}
#endif
