namespace EmailIntake;

/// <summary>One email to score. <see cref="BatchId"/> is the submission it came in (for <c>GET /batch/status/{id}</c>).</summary>
public sealed record Email(string EmailId, string From, string Subject, string Body, string BatchId = "");

/// <summary>An email as submitted (the batch id is assigned by the API).</summary>
public sealed record EmailSubmission(string EmailId, string From, string Subject, string Body);
