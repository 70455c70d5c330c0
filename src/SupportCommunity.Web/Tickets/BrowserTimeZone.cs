using System.Globalization;
using Microsoft.JSInterop;

namespace SupportCommunity.Web.Tickets;

/// <summary>The viewer's time zone as the browser reports it, for due times and timestamps; UTC when unknown.</summary>
public static class BrowserTimeZone
{
    public static async Task<TimeZoneInfo> ReadAsync(IJSRuntime js)
    {
        try
        {
            await using var module = await js.InvokeAsync<IJSObjectReference>("import", "./js/chat.js");
            var id = await module.InvokeAsync<string>("timeZone");
            return !string.IsNullOrEmpty(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or InvalidOperationException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    /// <summary>"14:05" today, "3 Mar, 14:05" otherwise, in the viewer's zone.</summary>
    public static string Format(DateTimeOffset time, TimeZoneInfo zone, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        return local.Date == TimeZoneInfo.ConvertTime(now, zone).Date ? local.ToString("HH:mm", CultureInfo.InvariantCulture) : local.ToString("d MMM, HH:mm", CultureInfo.InvariantCulture);
    }
}
