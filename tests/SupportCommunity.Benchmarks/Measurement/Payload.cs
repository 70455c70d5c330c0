using System.Globalization;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>
/// A message body that carries its own intended send time (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) and
/// a run tag, padded to a fixed size, so the app and the bare hub carry exactly the same bytes and a receiver can
/// ignore deliveries left over from an earlier run.
/// </summary>
public static class Payload
{
    /// <summary>Characters per body: a typical short chat message.</summary>
    public const int Size = 160;

    public static string Create(string run, long intendedTimestamp)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{run}:{intendedTimestamp}:");
        return head.Length >= Size ? head : head + new string('x', Size - head.Length);
    }

    public static bool TryRead(string? body, string run, out long intendedTimestamp)
    {
        intendedTimestamp = 0;
        if (body is null || !body.StartsWith(run, StringComparison.Ordinal) || body.Length <= run.Length || body[run.Length] != ':')
        {
            return false;
        }

        var rest = body.AsSpan(run.Length + 1);
        var end = rest.IndexOf(':');
        return end > 0 && long.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out intendedTimestamp);
    }

    /// <summary>A short tag unique to one measurement.</summary>
    public static string NewRun() => "b" + Guid.NewGuid().ToString("N")[..10];
}
