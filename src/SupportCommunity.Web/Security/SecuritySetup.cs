using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Security;

/// <summary>Hardening: security headers, the hubs' Origin check, connection and circuit caps, detailed errors, Kestrel limits.</summary>
public static class SecuritySetup
{
    public static WebApplicationBuilder AddCommunitySecurity(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(KestrelLimits.Apply);

        // Bad settings stop the start with a clear message rather than leave the hubs open or shut.
        var security = builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();
        if (security.AllowedOrigins.FirstOrDefault(o => OriginCheck.Normalize(o) is null) is { } notAnOrigin)
        {
            throw new InvalidOperationException(
                $"Security:AllowedOrigins: '{notAnOrigin}' is not an origin. Write scheme, host and optional port, like https://www.example.com.");
        }

        var limits = builder.Configuration.GetSection(ConnectionLimits.Section).Get<ConnectionLimits>() ?? new ConnectionLimits();
        if (limits.MaxConnectionsPerUser < 1 || limits.MaxConnectionsPerIp < 1)
        {
            throw new InvalidOperationException("Limits:MaxConnectionsPerUser and Limits:MaxConnectionsPerIp must be at least 1.");
        }

        var circuits = builder.Configuration.GetSection(CircuitLimits.Section).Get<CircuitLimits>() ?? new CircuitLimits();
        if (circuits.MaxCircuitsPerUser < 1 || circuits.MaxCircuitsPerIp < 1)
        {
            throw new InvalidOperationException("Limits:MaxCircuitsPerUser and Limits:MaxCircuitsPerIp must be at least 1.");
        }

        builder.Services.Configure<SecurityOptions>(builder.Configuration.GetSection(SecurityOptions.Section));
        builder.Services.Configure<ConnectionLimits>(builder.Configuration.GetSection(ConnectionLimits.Section));

        builder.Services.Configure<CircuitLimits>(builder.Configuration.GetSection(CircuitLimits.Section));
        builder.Services.AddSingleton<HubConnectionCounter>();
        builder.Services.AddSingleton<CircuitCounter>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CircuitHandler, CircuitCapHandler>();
        builder.Services.AddSignalR().AddHubOptions<CommunityHub>(options => options.AddFilter<HubConnectionCapFilter>());

        // Exception details, whatever else configuration or code asks for: never to hub clients (the hubs are the
        // public contract, design.md §4: a short clear message, never internals, in every environment), and to the
        // browser's circuit only in Development.
        builder.Services.PostConfigure<HubOptions>(options => options.EnableDetailedErrors = false);
        builder.Services.PostConfigure<HubOptions<CommunityHub>>(options => options.EnableDetailedErrors = false);
        var development = builder.Environment.IsDevelopment();
        builder.Services.PostConfigure<CircuitOptions>(options => options.DetailedErrors = development);
        return builder;
    }

    /// <summary>First in the pipeline, so that every response carries the headers.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeaders>();
        return app;
    }

    /// <summary>The hubs' Origin check and the connection and circuit caps; after authentication, which the caps need.</summary>
    public static IApplicationBuilder UseHubGuards(this IApplicationBuilder app)
    {
        app.UseMiddleware<OriginCheck>();
        app.UseMiddleware<HubConnectionCapCheck>();
        app.UseMiddleware<CircuitCapCheck>();
        return app;
    }
}
