/* vleo/pbjson.h: any protobuf-c message as one JSON object, by reflection over its
 * descriptor (for vleo-tail and tests). */
#ifndef VLEO_PBJSON_H
#define VLEO_PBJSON_H

#include <protobuf-c/protobuf-c.h>

#include "vleo/json.h"

/* Write msg as a JSON object: fields by their proto names, only the fields that are present
 * (proto2 has_ flags, non-NULL strings and messages, oneof case), enums by value name, bytes
 * as a hex string, 64-bit integers as JSON numbers, nested messages as objects, repeated
 * fields as arrays. */
void vleo_pbjson_write(vleo_jw_t *w, const ProtobufCMessage *msg);

/* The message type carried on a topic: "tm/" Packet, "tmb/" PacketBatch, "alert/" Alert,
 * "stats/decoder/" DecoderStats, "stats/monitor" MonitorStats; NULL for an unknown topic. */
const ProtobufCMessageDescriptor *vleo_topic_descriptor(const char *topic, size_t len);

#endif
