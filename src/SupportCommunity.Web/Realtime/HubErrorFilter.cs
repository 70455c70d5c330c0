using Microsoft.AspNetCore.SignalR;

namespace SupportCommunity.Web.Realtime;

/// <summary>Turns refusals into a HubException with their clear message, and anything else into a generic one.</summary>
public sealed partial class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (CommunityException ex)
        {
            throw new HubException(ex.Message);
        }
        catch (HubException)
        {
            throw;
        }
        catch (Exception ex) when (CommunityException.IsTransient(ex))
        {
            Busy(ex, invocationContext.HubMethodName);
            throw new HubException(CommunityException.BusyMessage);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed(ex, invocationContext.HubMethodName);
            throw new HubException("Something went wrong on our side. Please try again.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub method {Method} found the database busy; the caller was told to retry")]
    private partial void Busy(Exception exception, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed")]
    private partial void Failed(Exception exception, string method);
}
