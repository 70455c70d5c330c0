using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace SupportCommunity.Webhooks;

/// <summary>What a dispatcher took to send: the delivery, its event and its endpoint, read under its lease.</summary>
public sealed record WebhookWork(
    long DeliveryId,
    int EndpointId,
    string Url,
    string Secret,
    long EventId,
    string EventType,
    string Payload,
    DateTimeOffset OccurredAt,
    int Attempts,
    DateTimeOffset GiveUpAt,
    DateTimeOffset LeaseUntil);

/// <summary>How one call went: <see cref="Attempts"/> HTTP requests (in-call retries included).</summary>
public sealed record WebhookCallResult(bool Delivered, int Attempts, int? StatusCode, string? Error);

/// <summary>Counts the requests of one call; the handler inside the retry loop adds to it.</summary>
public sealed class WebhookAttemptLog
{
    private int _attempts;
    private int _lastStatusCode;

    public int Attempts => Volatile.Read(ref _attempts);

    public int? LastStatusCode => Volatile.Read(ref _lastStatusCode) is > 0 and var code ? code : null;

    internal void Started() => Interlocked.Increment(ref _attempts);

    internal void Answered(int statusCode) => Volatile.Write(ref _lastStatusCode, statusCode);
}

/// <summary>
/// Sends one webhook call: the signed POST, through the named client whose standard resilience handler gives each
/// request its timeout and retries transient failures (5xx, 408, 429, timeouts, connection errors) with exponential
/// backoff and jitter, with a circuit per receiver (ADR-0012).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, TimeProvider clock)
{
    public const string ClientName = "SupportCommunity.Webhooks";
    public const string EventHeader = "X-SupportCommunity-Event";
    public const string DeliveryHeader = "X-SupportCommunity-Delivery";
    public const string TimestampHeader = "X-SupportCommunity-Timestamp";
    public const string SignatureHeader = "X-SupportCommunity-Signature";

    internal static readonly HttpRequestOptionsKey<WebhookAttemptLog> AttemptLogKey = new("SupportCommunity.Webhooks.Attempts");

    /// <summary>The JSON body receivers get: <c>{ id, type, occurredAt, data }</c>.</summary>
    public static byte[] Body(long eventId, string type, DateTimeOffset occurredAt, string payload)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("id", eventId);
            json.WriteString("type", type);
            json.WriteString("occurredAt", occurredAt);
            json.WritePropertyName("data");
            json.WriteRawValue(payload);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Sends; a failure comes back as a result, never as an exception, except cancellation by <paramref name="cancellationToken"/>.</summary>
    public async Task<WebhookCallResult> SendAsync(WebhookWork work, WebhookAttemptLog log, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = Body(work.EventId, work.EventType, work.OccurredAt, work.Payload);
        }
        catch (JsonException)
        {
            return new WebhookCallResult(false, 0, null, "The event's payload is not valid JSON.");
        }

        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, work.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventHeader, work.EventType);
        request.Headers.Add(DeliveryHeader, work.DeliveryId.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignatureHeader, WebhookSignature.Sign(work.Secret, timestamp, body));
        request.Options.Set(AttemptLogKey, log);

        try
        {
            using var response = await clients.CreateClient(ClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new WebhookCallResult(true, log.Attempts, code, null)
                : new WebhookCallResult(false, log.Attempts, code, $"The endpoint answered {code}{Reason(response)}.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new WebhookCallResult(false, log.Attempts, log.LastStatusCode, Describe(ex));
        }
    }

    /// <summary>Whether the standard pipeline should retry: transient failures, but not an address policy refusal.</summary>
    internal static bool IsRefused(Exception? exception) =>
        exception is WebhookAddressRefusedException || exception?.InnerException is WebhookAddressRefusedException;

    private static string Reason(HttpResponseMessage response) =>
        response.StatusCode is System.Net.HttpStatusCode.MovedPermanently or System.Net.HttpStatusCode.Found
            or System.Net.HttpStatusCode.TemporaryRedirect or System.Net.HttpStatusCode.PermanentRedirect
            ? " (a redirect: webhooks do not follow them, update the URL)"
            : "";

    /// <summary>A few words for the delivery log: never the exception's own text, which may hold internals.</summary>
    private static string Describe(Exception exception) => exception switch
    {
        TimeoutRejectedException => "Timed out waiting for the endpoint.",
        BrokenCircuitException => "Paused: the endpoint failed too often just now.",
        RateLimiterRejectedException => "Too many requests in flight.",
        _ when IsRefused(exception) => "Refused: the host resolves to a private or local address.",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "The host name could not be resolved.",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "Could not connect to the endpoint.",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "The TLS handshake failed.",
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse } =>
            "The endpoint's answer was cut off or invalid.",
        HttpRequestException => "The request failed.",
        _ => "The delivery failed.",
    };
}

/// <summary>Inside the retry loop: counts every request of a call and keeps the last status code.</summary>
internal sealed class WebhookAttemptHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.TryGetValue(WebhookSender.AttemptLogKey, out var log);
        log?.Started();
        var response = await base.SendAsync(request, cancellationToken);
        log?.Answered((int)response.StatusCode);
        return response;
    }
}

internal static class WebhookResilience
{
    /// <summary>The standard pipeline, set from <see cref="WebhookOptions"/>.</summary>
    public static void Configure(HttpStandardResilienceOptions resilience, WebhookOptions settings)
    {
        resilience.AttemptTimeout.Timeout = settings.AttemptTimeout;
        resilience.TotalRequestTimeout.Timeout = settings.TotalTimeout;
        resilience.Retry.MaxRetryAttempts = settings.RetriesPerAttempt;
        resilience.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.Delay = settings.RetryDelay;
        // A receiver's Retry-After is honoured, but never beyond the whole call's time.
        resilience.Retry.MaxDelay = settings.TotalTimeout;
        resilience.Retry.ShouldHandle = args => ValueTask.FromResult(
            !IsRefused(args.Outcome.Exception) && HttpClientResiliencePredicates.IsTransient(args.Outcome));
        // The circuit is per receiver (the pipeline is selected by authority); its window must hold two attempts.
        var window = settings.AttemptTimeout * 2 + TimeSpan.FromSeconds(1);
        resilience.CircuitBreaker.SamplingDuration = window > TimeSpan.FromSeconds(30) ? window : TimeSpan.FromSeconds(30);
        resilience.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(
            !IsRefused(args.Outcome.Exception) && HttpClientResiliencePredicates.IsTransient(args.Outcome));
    }

    private static bool IsRefused(Exception? exception) => WebhookSender.IsRefused(exception);
}
