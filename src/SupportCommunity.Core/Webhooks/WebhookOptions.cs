namespace SupportCommunity.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section (README "Configuration", ADR-0012).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Allow endpoints on loopback, private, link-local and other internal addresses. Off by default, so that an admin
    /// account (or whoever steals one) cannot make the server call services inside its own network (SSRF).
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Allow plain http to any host; without it http is accepted for loopback hosts only (and those need <see cref="AllowPrivateAddresses"/>).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>How often a dispatcher looks for work when nothing woke it (a commit on this node wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests in flight per node.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Requests in flight per endpoint and node, so that a slow endpoint cannot take every slot.</summary>
    public int MaxConcurrencyPerEndpoint { get; set; } = 2;

    /// <summary>One HTTP request's timeout.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries within one delivery attempt (after a 5xx, 408, 429, timeout or connection failure): 1 to 10.</summary>
    public int RetriesPerAttempt { get; set; } = 2;

    /// <summary>The first in-call retry's delay; it doubles, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The whole call, retries included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The delay before the first durable retry, after a call whose retries all failed; it doubles, with jitter.</summary>
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest delay between durable retries.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Give up (Failed) after this many HTTP requests…</summary>
    public int MaxAttempts { get; set; } = 100;

    /// <summary>…or when the delivery is this old.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Endpoints an admin may have (deleted ones do not count).</summary>
    public int MaxEndpoints { get; set; } = 20;

    /// <summary>How long a node holds a delivery it is sending; past it, another node may take it over.</summary>
    public TimeSpan Lease => TotalTimeout + TimeSpan.FromSeconds(30);

    internal bool IsValid(out string? error)
    {
        error = (this switch
        {
            { PollInterval.Ticks: <= 0 } => "PollInterval must be positive",
            { MaxConcurrency: < 1 } => "MaxConcurrency must be at least 1",
            { MaxConcurrencyPerEndpoint: < 1 } => "MaxConcurrencyPerEndpoint must be at least 1",
            { RetriesPerAttempt: < 1 or > 10 } => "RetriesPerAttempt must be between 1 and 10",
            { AttemptTimeout.Ticks: <= 0 } => "AttemptTimeout must be positive",
            { RetryDelay.Ticks: <= 0 } => "RetryDelay must be positive",
            { Backoff.Ticks: <= 0 } => "Backoff must be positive",
            { MaxAttempts: < 1 } => "MaxAttempts must be at least 1",
            { GiveUpAfter.Ticks: <= 0 } => "GiveUpAfter must be positive",
            { MaxEndpoints: < 1 } => "MaxEndpoints must be at least 1",
            _ when MaxBackoff < Backoff => "MaxBackoff must not be below Backoff",
            _ when TotalTimeout <= AttemptTimeout => "TotalTimeout must be longer than AttemptTimeout",
            _ => null,
        }) is { } reason ? $"Webhooks: {reason}." : null;
        return error is null;
    }
}
