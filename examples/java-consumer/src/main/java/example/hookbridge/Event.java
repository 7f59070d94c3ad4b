package example.hookbridge;

/**
 * One record of the topic, as the handler gets it: the CloudEvents headers
 * hookbridge writes (see docs/record-contract.md), the key and the body.
 * Optional headers (time, subject, tenantId, webhookId) are null when absent.
 */
public record Event(
    String id,        // ce_id: the GetProfile event id
    String type,      // ce_type: e.g. profile.updated
    String source,    // ce_source
    String time,      // ce_time: created_at when an RFC 3339 time, else null
    String subject,   // ce_subject: the profile id
    String tenantId,  // ce_tenantid
    String webhookId, // ce_webhookid
    String key,       // the record key: data.profile_id (else tenant_id, else id)
    String body,      // the webhook body, byte for byte (UTF-8 JSON): the source of truth
    String topic,
    int partition,
    long offset) {}
