namespace SupportCommunity.Web.Security;

/// <summary>Hardening: security headers on every response.</summary>
public static class SecuritySetup
{
    /// <summary>First in the pipeline, so that every response carries the headers.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeaders>();
        return app;
    }
}
