/* pbjson.c: any protobuf-c message as JSON by descriptor reflection (DESIGN sections 4, 5). */
#include "vleo/pbjson.h"

#include <stdint.h>
#include <string.h>

#include "vleo.pb-c.h"

/* Nested messages deeper than this are written as null: each level costs the JSON writer two
 * levels (array + object) out of VLEO_JW_MAX_DEPTH, and a recursive schema must not recurse
 * without end. Our schema nests four deep (PacketBatch > Packet > Parameter > Value). */
#define PBJSON_MAX_NEST 12

static void write_message(vleo_jw_t *w, const ProtobufCMessage *msg, int nest);

/* One value of field f stored at p (an element of a repeated field or a singular field). */
static void write_value(vleo_jw_t *w, const ProtobufCFieldDescriptor *f, const void *p, int nest) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        vleo_jw_i64(w, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        vleo_jw_i64(w, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        vleo_jw_u64(w, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        vleo_jw_u64(w, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        vleo_jw_f64(w, (double)*(const float *)p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        vleo_jw_f64(w, *(const double *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        vleo_jw_bool(w, *(const protobuf_c_boolean *)p != 0);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumValue *ev = f->descriptor != NULL
                                           ? protobuf_c_enum_descriptor_get_value(
                                                 (const ProtobufCEnumDescriptor *)f->descriptor, v)
                                           : NULL;
        if (ev != NULL) {
            vleo_jw_str(w, ev->name);
        } else {
            vleo_jw_i64(w, v); /* a value this build does not know (newer peer) */
        }
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        vleo_jw_str(w, *(const char *const *)p);
        break;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        vleo_jw_hex(w, b->data, b->data != NULL ? b->len : 0);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        write_message(w, *(const ProtobufCMessage *const *)p, nest + 1);
        break;
    default:
        vleo_jw_null(w);
        break;
    }
}

/* True when a proto3-style field (no presence flag) holds a non-default value. */
static bool nonzero_value(const ProtobufCFieldDescriptor *f, const void *p) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *)p != 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p != 0.0f;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p != 0.0;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        return s != NULL && s[0] != '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len != 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(const void *const *)p != NULL;
    default: /* 32-bit integers, bool and enum are all 4 octets */
        return *(const uint32_t *)p != 0;
    }
}

/* True when singular field f of the message at base is present. */
static bool field_present(const ProtobufCFieldDescriptor *f, const uint8_t *base) {
    const void *p = base + f->offset;
    bool pointer_type = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        /* quantifier_offset locates the oneof's case: this member is set when it names us. */
        if (*(const uint32_t *)(base + f->quantifier_offset) != f->id) {
            return false;
        }
        return !pointer_type || *(const void *const *)p != NULL;
    }
    switch (f->label) {
    case PROTOBUF_C_LABEL_REQUIRED:
        return !pointer_type || *(const void *const *)p != NULL;
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (pointer_type) {
            /* proto2 strings and messages have no has_ flag: absent is NULL (or the
             * descriptor's default, which the packer leaves out too). */
            const void *v = *(const void *const *)p;
            return v != NULL && (f->type == PROTOBUF_C_TYPE_MESSAGE || v != f->default_value);
        }
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset) != 0;
    case PROTOBUF_C_LABEL_NONE:
        return nonzero_value(f, p);
    default:
        return false;
    }
}

/* Size of one element of a repeated field of this type in its C array. */
static size_t element_size(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default: /* 32-bit integers and enums */
        return 4;
    }
}

static void write_message(vleo_jw_t *w, const ProtobufCMessage *msg, int nest) {
    if (msg == NULL || msg->descriptor == NULL ||
        msg->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC || nest > PBJSON_MAX_NEST) {
        vleo_jw_null(w);
        return;
    }
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const uint8_t *base = (const uint8_t *)msg;
    vleo_jw_obj_begin(w);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const uint8_t *arr = *(const uint8_t *const *)(base + f->offset);
            if (n == 0 || arr == NULL) {
                continue; /* an empty repeated field is absent on the wire too */
            }
            size_t esz = element_size(f->type);
            vleo_jw_key(w, f->name);
            vleo_jw_arr_begin(w);
            for (size_t k = 0; k < n; k++) {
                write_value(w, f, arr + k * esz, nest);
            }
            vleo_jw_arr_end(w);
        } else if (field_present(f, base)) {
            vleo_jw_key(w, f->name);
            write_value(w, f, base + f->offset, nest);
        }
    }
    vleo_jw_obj_end(w);
}

void vleo_pbjson_write(vleo_jw_t *w, const ProtobufCMessage *msg) {
    write_message(w, msg, 0);
}

/* Topic prefixes and the message each carries (DESIGN section 4). `whole` marks a topic that
 * is a name of its own: it matches exactly or followed by '/', never as a bare prefix. */
static const struct {
    const char *prefix;
    bool whole;
    const ProtobufCMessageDescriptor *desc;
} topic_map[] = {
    {"tm/", false, &vleo__v1__packet__descriptor},
    {"tmb/", false, &vleo__v1__packet_batch__descriptor},
    {"alert/", false, &vleo__v1__alert__descriptor},
    {"stats/decoder/", false, &vleo__v1__decoder_stats__descriptor},
    {"stats/monitor", true, &vleo__v1__monitor_stats__descriptor},
};

const ProtobufCMessageDescriptor *vleo_topic_descriptor(const char *topic, size_t len) {
    if (topic == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof topic_map / sizeof topic_map[0]; i++) {
        size_t plen = strlen(topic_map[i].prefix);
        if (len < plen || memcmp(topic, topic_map[i].prefix, plen) != 0) {
            continue;
        }
        if (topic_map[i].whole && len > plen && topic[plen] != '/') {
            continue;
        }
        return topic_map[i].desc;
    }
    return NULL;
}
