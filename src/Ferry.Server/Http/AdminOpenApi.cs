namespace Ferry.Server.Http;

/// <summary>
/// The OpenAPI 3.0 document of the admin API, served at <c>/openapi</c> and <c>/openapi.json</c>. Written by hand so it
/// says what the handlers cannot (auth rule, body rendering, replay order); a test checks every mapped route is in it.
/// </summary>
internal static class AdminOpenApi
{
    public const string Document = """
{
  "openapi": "3.0.3",
  "info": {
    "title": "Ferry admin API",
    "version": "1",
    "description": "JSON admin API of a Ferry broker: entities, queue status, message browsing, purge, dead-letter replay, test messages, Prometheus metrics. Authorization: 'Authorization: Bearer <AdminToken>' or a Service Bus 'SharedAccessSignature' token for the namespace (or for the queue the request names); not needed in development mode (DevelopmentMode option, by default on exactly when the server is bound to loopback). Errors are application/problem+json."
  },
  "security": [ { "bearer": [] }, { "sas": [] } ],
  "paths": {
    "/api/entities": {
      "get": { "summary": "Every queue, topic and subscription with its settings, status and runtime counts (queues and subscriptions as QueueDescription with type queue or subscription, topics with type topic)", "operationId": "listEntities",
        "responses": { "200": { "description": "Entities", "content": { "application/json": { "schema": { "type": "object", "properties": { "entities": { "type": "array", "items": { "$ref": "#/components/schemas/QueueDescription" } } } } } } }, "401": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues": {
      "post": { "summary": "Create a queue", "operationId": "createQueue",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueCreate" } } } },
        "responses": { "201": { "description": "Created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueDescription" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "401": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues/status": {
      "get": { "summary": "Depth of every queue (seed 000's /api/admin/queue/status shape)", "operationId": "allQueueStatus",
        "responses": { "200": { "description": "Status by queue name", "content": { "application/json": { "schema": { "type": "object", "properties": { "queues": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/QueueStatus" } } } } } } }, "401": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues/{name}": {
      "parameters": [ { "$ref": "#/components/parameters/name" } ],
      "get": { "summary": "A queue's settings, status and counts", "operationId": "getQueue",
        "responses": { "200": { "description": "Queue", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueDescription" } } } }, "404": { "$ref": "#/components/responses/Problem" } } },
      "put": { "summary": "Update a queue's settings: the properties given change, the others keep their value", "operationId": "updateQueue",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueUpdate" } } } },
        "responses": { "200": { "description": "Updated", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueDescription" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } },
      "delete": { "summary": "Delete a queue and all its messages", "operationId": "deleteQueue",
        "responses": { "204": { "description": "Deleted" }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues/{name}/status": {
      "parameters": [ { "$ref": "#/components/parameters/name" } ],
      "get": { "summary": "A queue's active, dead-letter and scheduled counts", "operationId": "queueStatus",
        "responses": { "200": { "description": "Status", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueStatus" } } } }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues/{name}/messages": {
      "parameters": [ { "$ref": "#/components/parameters/name" } ],
      "get": { "summary": "Browse (peek) messages without locking them", "operationId": "browseMessages",
        "parameters": [ { "$ref": "#/components/parameters/from" }, { "$ref": "#/components/parameters/count" }, { "$ref": "#/components/parameters/bodyLimit" } ],
        "responses": { "200": { "description": "A page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessagePage" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } },
      "post": { "summary": "Send a test message", "operationId": "sendTestMessage",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TestMessage" } } } },
        "responses": { "201": { "description": "Stored", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SendResult" } } } }, "200": { "description": "Dropped by duplicate detection (duplicate: true)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SendResult" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" }, "413": { "$ref": "#/components/responses/Problem" } } },
      "delete": { "summary": "Purge: remove every message of the queue (active, deferred, scheduled, locked), durably", "operationId": "purgeMessages",
        "responses": { "200": { "description": "Purged", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PurgeResult" } } } }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues/{name}/deadletter/messages": {
      "parameters": [ { "$ref": "#/components/parameters/name" } ],
      "get": { "summary": "Browse the dead-letter queue", "operationId": "browseDeadLetters",
        "parameters": [ { "$ref": "#/components/parameters/from" }, { "$ref": "#/components/parameters/count" }, { "$ref": "#/components/parameters/bodyLimit" } ],
        "responses": { "200": { "description": "A page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessagePage" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } },
      "delete": { "summary": "Purge the dead-letter queue", "operationId": "purgeDeadLetters",
        "responses": { "200": { "description": "Purged", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PurgeResult" } } } }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/queues/{name}/deadletter/replay": {
      "parameters": [ { "$ref": "#/components/parameters/name" } ],
      "post": { "summary": "Replay dead-lettered messages to the queue: each copy is sent (durable), then the original removed (durable); a crash between may duplicate, never lose", "operationId": "replayDeadLetters",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReplayRequest" } } } },
        "responses": { "200": { "description": "What was replayed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReplayResult" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/topics/{topic}/messages": {
      "parameters": [ { "$ref": "#/components/parameters/topic" } ],
      "post": { "summary": "Send a test message to a topic; its subscriptions' rules decide who gets a copy", "operationId": "sendTopicTestMessage",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TestMessage" } } } },
        "responses": { "201": { "description": "Stored", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SendResult" } } } }, "200": { "description": "Dropped by duplicate detection (duplicate: true)" }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/topics/{topic}/subscriptions/{sub}/status": {
      "parameters": [ { "$ref": "#/components/parameters/topic" }, { "$ref": "#/components/parameters/sub" } ],
      "get": { "summary": "A subscription's active, dead-letter and scheduled counts", "operationId": "subscriptionStatus",
        "responses": { "200": { "description": "Status", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/QueueStatus" } } } }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/topics/{topic}/subscriptions/{sub}/messages": {
      "parameters": [ { "$ref": "#/components/parameters/topic" }, { "$ref": "#/components/parameters/sub" } ],
      "get": { "summary": "Browse a subscription's messages without locking them", "operationId": "browseSubscriptionMessages",
        "parameters": [ { "$ref": "#/components/parameters/from" }, { "$ref": "#/components/parameters/count" }, { "$ref": "#/components/parameters/bodyLimit" } ],
        "responses": { "200": { "description": "A page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessagePage" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } },
      "delete": { "summary": "Purge a subscription", "operationId": "purgeSubscriptionMessages",
        "responses": { "200": { "description": "Purged", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PurgeResult" } } } }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/topics/{topic}/subscriptions/{sub}/deadletter/messages": {
      "parameters": [ { "$ref": "#/components/parameters/topic" }, { "$ref": "#/components/parameters/sub" } ],
      "get": { "summary": "Browse a subscription's dead-letter queue", "operationId": "browseSubscriptionDeadLetters",
        "parameters": [ { "$ref": "#/components/parameters/from" }, { "$ref": "#/components/parameters/count" }, { "$ref": "#/components/parameters/bodyLimit" } ],
        "responses": { "200": { "description": "A page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessagePage" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } },
      "delete": { "summary": "Purge a subscription's dead-letter queue", "operationId": "purgeSubscriptionDeadLetters",
        "responses": { "200": { "description": "Purged", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PurgeResult" } } } }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/api/topics/{topic}/subscriptions/{sub}/deadletter/replay": {
      "parameters": [ { "$ref": "#/components/parameters/topic" }, { "$ref": "#/components/parameters/sub" } ],
      "post": { "summary": "Replay a subscription's dead-lettered messages to it", "operationId": "replaySubscriptionDeadLetters",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReplayRequest" } } } },
        "responses": { "200": { "description": "What was replayed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReplayResult" } } } }, "400": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } }
    },
    "/health/live": { "get": { "summary": "Liveness: 200 while the process serves HTTP", "operationId": "healthLive", "security": [], "responses": { "200": { "description": "Live" } } } },
    "/health/ready": { "get": { "summary": "Readiness: 200 while the broker takes work (store committing, not shutting down), else 503; the body gives the store's status", "operationId": "healthReady", "security": [], "responses": { "200": { "description": "Ready" }, "503": { "description": "Not ready" } } } },
    "/health": { "get": { "summary": "Same as /health/ready", "operationId": "health", "security": [], "responses": { "200": { "description": "Ready" }, "503": { "description": "Not ready" } } } },
    "/metrics": {
      "get": { "summary": "Prometheus metrics (text exposition format 0.0.4)", "operationId": "metrics",
        "responses": { "200": { "description": "Metrics", "content": { "text/plain": { "schema": { "type": "string" } } } }, "401": { "$ref": "#/components/responses/Problem" } } }
    },
    "/openapi": { "get": { "summary": "This document", "operationId": "openapi", "security": [], "responses": { "200": { "description": "OpenAPI 3 document" } } } },
    "/openapi.json": { "get": { "summary": "This document", "operationId": "openapiJson", "security": [], "responses": { "200": { "description": "OpenAPI 3 document" } } } }
  },
  "components": {
    "securitySchemes": {
      "bearer": { "type": "http", "scheme": "bearer", "description": "The server's AdminToken option." },
      "sas": { "type": "apiKey", "in": "header", "name": "Authorization", "description": "SharedAccessSignature sr=<url-encoded sb://host/ or sb://host/queue>&sig=<url-encoded base64 HMAC-SHA256>&se=<unix seconds>&skn=<key name>" }
    },
    "parameters": {
      "name": { "name": "name", "in": "path", "required": true, "description": "Queue name, case-insensitive; a '/' in it is sent as %2F.", "schema": { "type": "string" } },
      "topic": { "name": "topic", "in": "path", "required": true, "description": "Topic name, case-insensitive.", "schema": { "type": "string" } },
      "sub": { "name": "sub", "in": "path", "required": true, "description": "Subscription name, case-insensitive.", "schema": { "type": "string" } },
      "from": { "name": "from", "in": "query", "description": "First sequence number to show (default 0); use the previous page's 'next'.", "schema": { "type": "integer", "format": "int64", "minimum": 0 } },
      "count": { "name": "count", "in": "query", "description": "Messages per page, 1 to 1000 (default 50).", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } },
      "bodyLimit": { "name": "bodyLimit", "in": "query", "description": "Bytes of body shown before it is cut, 1 to 16777216 (default 65536).", "schema": { "type": "integer", "minimum": 1, "maximum": 16777216 } }
    },
    "responses": {
      "Problem": { "description": "An error", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
    },
    "schemas": {
      "Problem": { "type": "object", "properties": {
        "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" },
        "property": { "type": "string", "description": "The input at fault (400)." }, "allowed": { "type": "string", "description": "What it allows (400)." },
        "entity": { "type": "string", "description": "The entity concerned (404, 409)." } } },
      "QueueProperties": { "type": "object", "description": "The emulator Config.json property names (matched case-insensitively). Durations: ISO 8601 (PT1M), hh:mm:ss, or seconds.", "additionalProperties": false, "properties": {
        "LockDuration": { "type": "string", "example": "PT1M", "description": "PT5S to PT5M; default PT1M" },
        "MaxDeliveryCount": { "type": "integer", "minimum": 1, "description": "default 10" },
        "DefaultMessageTimeToLive": { "type": "string", "description": "positive; default unlimited (P10675199DT2H48M5.4775807S)" },
        "DeadLetteringOnMessageExpiration": { "type": "boolean" },
        "RequiresDuplicateDetection": { "type": "boolean" },
        "DuplicateDetectionHistoryTimeWindow": { "type": "string", "description": "PT20S to P7D; default PT10M" },
        "MaxSizeInMegabytes": { "type": "integer", "minimum": 1, "maximum": 81920 },
        "MaxMessageSizeInKilobytes": { "type": "integer", "minimum": 1, "maximum": 102400 },
        "RequiresSession": { "type": "boolean", "description": "fixed at creation" },
        "ForwardTo": { "type": "string", "nullable": true },
        "ForwardDeadLetteredMessagesTo": { "type": "string", "nullable": true },
        "Status": { "type": "string", "enum": [ "Active", "Disabled", "SendDisabled", "ReceiveDisabled" ] },
        "UserMetadata": { "type": "string", "nullable": true, "maxLength": 1024 },
        "EnablePartitioning": { "type": "boolean", "description": "accepted, no effect" },
        "EnableBatchedOperations": { "type": "boolean", "description": "accepted, no effect" },
        "AutoDeleteOnIdle": { "type": "string", "description": "PT5M or more; the queue is deleted once idle (no receiver or sender attached, no operation) that long; default never" } } },
      "QueueCreate": { "type": "object", "required": [ "name" ], "properties": { "name": { "type": "string" }, "properties": { "$ref": "#/components/schemas/QueueProperties" } } },
      "QueueUpdate": { "type": "object", "description": "Read-only members of a QueueDescription are accepted and ignored, so a GET result can be sent back.", "properties": { "name": { "type": "string" }, "properties": { "$ref": "#/components/schemas/QueueProperties" } } },
      "QueueCounts": { "type": "object", "properties": { "active": { "type": "integer" }, "deadLetter": { "type": "integer" }, "scheduled": { "type": "integer" }, "deferred": { "type": "integer" }, "transfer": { "type": "integer" }, "transferDeadLetter": { "type": "integer" }, "total": { "type": "integer" } } },
      "QueueDescription": { "type": "object", "properties": {
        "name": { "type": "string" }, "type": { "type": "string", "enum": [ "queue" ] },
        "status": { "type": "string", "enum": [ "Active", "Disabled", "SendDisabled", "ReceiveDisabled" ] },
        "origin": { "type": "string", "enum": [ "Config", "Api" ] },
        "properties": { "$ref": "#/components/schemas/QueueProperties" },
        "durationsInSeconds": { "type": "object", "additionalProperties": { "type": "number" } },
        "counts": { "$ref": "#/components/schemas/QueueCounts" },
        "sizeInBytes": { "type": "integer" },
        "receivers": { "type": "integer" },
        "senders": { "type": "integer" },
        "createdAt": { "type": "string", "format": "date-time" }, "updatedAt": { "type": "string", "format": "date-time" }, "accessedAt": { "type": "string", "format": "date-time" },
        "topic": { "type": "string", "description": "subscriptions only" }, "rules": { "type": "array", "items": { "type": "string" }, "description": "subscriptions only" } } },
      "QueueStatus": { "type": "object", "properties": { "name": { "type": "string" }, "active_messages": { "type": "integer" }, "dead_letter_messages": { "type": "integer" }, "scheduled_messages": { "type": "integer" } } },
      "MessagePage": { "type": "object", "properties": {
        "queue": { "type": "string" }, "subQueue": { "type": "string", "enum": [ "main", "deadletter" ] }, "from": { "type": "integer" }, "count": { "type": "integer" },
        "messages": { "type": "array", "items": { "$ref": "#/components/schemas/Message" } },
        "next": { "type": "integer", "nullable": true, "description": "'from' of the next page; null at the end." } } },
      "Message": { "type": "object", "properties": {
        "sequenceNumber": { "type": "integer" }, "messageId": { "type": "string" }, "state": { "type": "string", "enum": [ "Active", "Deferred", "Scheduled" ] },
        "deliveryCount": { "type": "integer" }, "enqueuedTime": { "type": "string", "format": "date-time" },
        "scheduledEnqueueTime": { "type": "string", "format": "date-time", "nullable": true }, "expiresAt": { "type": "string", "format": "date-time", "nullable": true },
        "sessionId": { "type": "string", "nullable": true }, "deadLetterSource": { "type": "string", "nullable": true }, "size": { "type": "integer" },
        "systemProperties": { "type": "object", "description": "messageId, correlationId, subject, contentType, contentEncoding, to, replyTo, sessionId, replyToSessionId, userId, creationTime, absoluteExpiryTime, timeToLive (ISO 8601), priority, durable" },
        "applicationProperties": { "type": "object", "description": "As a receiver sees them: the broker's overrides (DeadLetterReason, DeadLetterErrorDescription, properties to modify) applied." },
        "messageAnnotations": { "type": "object" },
        "body": { "$ref": "#/components/schemas/Body" } } },
      "Body": { "type": "object", "description": "data: encoding 'text' (text, JSON or XML content type, or valid UTF-8 without a content type) or 'base64', content cut at bodyLimit bytes, json = parsed content for JSON; value: the amqp-value as JSON; sequence: one array per amqp-sequence section; none: no body.", "properties": {
        "type": { "type": "string", "enum": [ "data", "value", "sequence", "none", "invalid" ] }, "encoding": { "type": "string", "enum": [ "text", "base64" ] },
        "content": { "type": "string" }, "json": { }, "value": { }, "size": { "type": "integer" }, "sections": { "type": "integer" }, "truncated": { "type": "boolean" } } },
      "TestMessage": { "type": "object", "additionalProperties": false, "properties": {
        "body": { "description": "Any JSON; written as its JSON text (as the JS SDK writes bodies). A string with a non-JSON contentType is written as bare text." },
        "contentType": { "type": "string", "default": "application/json" }, "messageId": { "type": "string" }, "correlationId": { "type": "string" },
        "sessionId": { "type": "string" }, "subject": { "type": "string" }, "to": { "type": "string" }, "replyTo": { "type": "string" }, "replyToSessionId": { "type": "string" },
        "applicationProperties": { "type": "object", "additionalProperties": { "oneOf": [ { "type": "string" }, { "type": "number" }, { "type": "boolean" } ], "nullable": true } },
        "scheduledEnqueueTime": { "type": "string", "format": "date-time" },
        "timeToLive": { "description": "ISO 8601 duration, hh:mm:ss or seconds; PT0.001S to P49DT17H2M47.295S", "oneOf": [ { "type": "string" }, { "type": "number" } ] } } },
      "SendResult": { "type": "object", "properties": { "queue": { "type": "string" }, "sequenceNumber": { "type": "integer", "description": "0 when dropped as a duplicate" }, "messageId": { "type": "string" }, "duplicate": { "type": "boolean" } } },
      "PurgeResult": { "type": "object", "properties": { "queue": { "type": "string" }, "subQueue": { "type": "string" }, "purged": { "type": "integer" } } },
      "ReplayRequest": { "type": "object", "description": "Exactly one of sequenceNumbers (1 to 10000) and all: true.", "properties": { "sequenceNumbers": { "type": "array", "items": { "type": "integer", "minimum": 1 } }, "all": { "type": "boolean" } } },
      "ReplayResult": { "type": "object", "properties": {
        "replayed": { "type": "integer" }, "notFound": { "type": "integer" }, "failed": { "type": "integer" },
        "messages": { "type": "array", "items": { "type": "object", "properties": { "deadLetterSequenceNumber": { "type": "integer" }, "sequenceNumber": { "type": "integer" } } } },
        "notFoundSequenceNumbers": { "type": "array", "items": { "type": "integer" } },
        "failures": { "type": "array", "items": { "type": "object", "properties": { "deadLetterSequenceNumber": { "type": "integer" }, "detail": { "type": "string" } } } } } }
    }
  }
}
""";
}
