namespace Coupons.Client;

/// <summary>How a <see cref="CouponsClient"/> reaches the service, who it calls as, and how it retries.</summary>
public sealed class CouponsClientOptions
{
    /// <summary>
    /// The service's address, like <c>https://coupons.example/</c> (a path is kept: end it with a slash).
    /// Needed unless the <see cref="HttpClient"/> given to the client has its own.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// Gives the bearer token (the JWT alone, without <c>Bearer </c>) for each request; null or a
    /// null token sends none. Called once per call, not per retry. <see cref="CouponsClient.WithBearerToken"/>
    /// makes a client with a fixed token instead.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? TokenProvider { get; set; }

    /// <summary>
    /// When a claim from a campaign or a code generation is made without an <c>Idempotency-Key</c>,
    /// make one (a new GUID per call) so that the call can be retried safely; true by default. With
    /// false such a call goes without a key and is not retried. (A claim by code gets no key of its
    /// own: it is safe to retry without one.)
    /// </summary>
    public bool GenerateIdempotencyKeys { get; set; } = true;

    /// <summary>Retries of one call after the first attempt, for calls safe to repeat (registration only); 3 by default, 0 for none.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first back-off between retries when the service gave no <c>Retry-After</c> (doubled each time, with jitter); 200 ms by default.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest <c>Retry-After</c> the client waits for on its own; a longer one is not retried and
    /// the caller gets the problem with its <see cref="CouponsApiException.RetryAfter"/>. 30 s by default.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take before it is given up (and retried if safe); 10 s by default.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for <c>Retry-After</c> dates; the system's by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
