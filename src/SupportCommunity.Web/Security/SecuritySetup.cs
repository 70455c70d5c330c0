namespace SupportCommunity.Web.Security;

/// <summary>Hardening: security headers, the hubs' Origin check.</summary>
public static class SecuritySetup
{
    public static WebApplicationBuilder AddCommunitySecurity(this WebApplicationBuilder builder)
    {
        // Bad settings stop the start with a clear message rather than leave the hubs open or shut.
        var security = builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();
        if (security.AllowedOrigins.FirstOrDefault(o => OriginCheck.Normalize(o) is null) is { } notAnOrigin)
        {
            throw new InvalidOperationException(
                $"Security:AllowedOrigins: '{notAnOrigin}' is not an origin. Write scheme, host and optional port, like https://www.example.com.");
        }

        builder.Services.Configure<SecurityOptions>(builder.Configuration.GetSection(SecurityOptions.Section));
        return builder;
    }

    /// <summary>First in the pipeline, so that every response carries the headers.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeaders>();
        return app;
    }

    /// <summary>The hubs' Origin check.</summary>
    public static WebApplication UseHubGuards(this WebApplication app)
    {
        app.UseMiddleware<OriginCheck>();
        return app;
    }
}
