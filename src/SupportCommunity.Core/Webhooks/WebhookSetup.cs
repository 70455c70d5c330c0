using System.Net.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;

namespace SupportCommunity.Webhooks;

public static class WebhookSetup
{
    /// <summary>Outbound webhooks: the admin service, the wake on commit, the HTTP client and the background dispatcher.</summary>
    public static IServiceCollection AddCommunityWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();

        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookWakeInterceptor>();
        // Every CommunityDbContext, pooled or not, wakes the dispatcher after a commit that enqueued an event.
        services.ConfigureDbContext<CommunityDbContext>(
            (sp, db) => db.AddInterceptors(sp.GetRequiredService<WebhookWakeInterceptor>()));

        services.AddSingleton<WebhookUrlPolicy>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<WebhookSender>();
        services.AddTransient<WebhookAttemptHandler>();
        var client = services.AddHttpClient(WebhookSender.ClientName, http =>
        {
            // The resilience pipeline's timeouts govern; HttpClient's own 100 s would only get in the way.
            http.Timeout = Timeout.InfiniteTimeSpan;
            http.DefaultRequestHeaders.UserAgent.ParseAdd("SupportCommunity-Webhooks/1.0");
        });
        client.ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
        {
            // No redirects and no proxy: either would take the request past the address check.
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = sp.GetRequiredService<WebhookUrlPolicy>().ConnectAsync,
            // Pooled connections are re-made (and their addresses checked again) every few minutes.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 64,
        });
        client.AddStandardResilienceHandler()
            .Configure((resilience, sp) => WebhookResilience.Configure(resilience, sp.GetRequiredService<IOptions<WebhookOptions>>().Value))
            .SelectPipelineByAuthority();
        // Added after the resilience handler, so it sits inside the retry loop and sees every request.
        client.AddHttpMessageHandler<WebhookAttemptHandler>();

        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options) =>
        options.IsValid(out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);
}
