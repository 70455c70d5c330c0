namespace SupportCommunity.Web.Tests.Integration.Webhooks;

/// <summary>
/// The app with webhooks allowed to loopback receivers and short retry pauses. Its dispatcher polls only once a
/// minute, so anything delivered sooner was woken by a commit or an admin action.
/// </summary>
public class WebhookAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings["Webhooks:AllowPrivateAddresses"] = "true";
        settings["Webhooks:RetryDelay"] = "00:00:00.050";
        settings["Webhooks:AttemptTimeout"] = "00:00:02";
        settings["Webhooks:TotalTimeout"] = "00:00:05";
        settings["Webhooks:PollInterval"] = "00:01:00";
    }
}

/// <summary>
/// The same, with durable retries a fraction of a second apart and a fast poll, for receivers that fail at first
/// (the backed-off try is picked up by the poll, as it would be in production after 30 s).
/// </summary>
public sealed class WebhookRetryAppFactory : WebhookAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Webhooks:Backoff"] = "00:00:00.200";
        settings["Webhooks:MaxBackoff"] = "00:00:00.500";
        settings["Webhooks:PollInterval"] = "00:00:00.200";
    }
}
