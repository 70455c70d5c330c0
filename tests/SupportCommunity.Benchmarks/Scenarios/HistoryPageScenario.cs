using SupportCommunity.Identity;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Benchmarks.Reporting;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// History pages of 50 in a room of 1,000,000 messages, through the app's <see cref="MessageService"/>, beside the very
/// SQL EF Core sent for them, run through raw ADO.NET. Checks the query plan (an index search, no temp sort) and
/// flatness: pages near the oldest end cost what pages near the newest do. Targets: at most 1.5x raw, flat.
/// </summary>
public sealed class HistoryPageScenario : IScenario
{
    /// <summary>A member reading the public room (the reader's identity only matters for private rooms).</summary>
    private static readonly Actor Reader = new("history-reader", "Reader", new HashSet<string> { CommunityRoles.Customer });

    private const int PageSize = 50;
    private const double RawTarget = 1.5;
    private const double FlatTarget = 1.5;

    public string Name => "history-page";

    public string Title => "History page at random depths in a 1M-message room vs the same keyset SQL raw";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        var fixture = await HistoryFixture.EnsureAsync(context, sizes.HistoryMessages, cancellationToken);
        // The fixture is opened in place: this scenario only reads messages, so the cached file stays as built.
        await using var app = AppNode.Start(context.NewFolder("history"), databasePath: fixture);
        var messages = app.Services.GetRequiredService<MessageService>();
        var last = (long)sizes.HistoryMessages;

        // The SQL the app sends for one page, captured from EF Core itself, with a `before` no other parameter has.
        var probeBefore = (last / 2) + 7;
        HistoryPage? probePage = null;
        // EF Core re-checks whether a diagnostic listener wants its events only once a second (LoggingCacheTime,
        // cached per pooled context), so the probe repeats until the listener has seen the query.
        CapturedCommand? query = null;
        var probing = Stopwatch.StartNew();
        while (query is null && probing.Elapsed < TimeSpan.FromSeconds(10))
        {
            var commands = await EfCommandCapture.DuringAsync(async () =>
                probePage = await messages.GetHistoryAsync(Reader, HistoryFixture.Room, probeBefore, PageSize, cancellationToken));
            query = commands.LastOrDefault(c => c.Sql.Contains("\"Messages\"", StringComparison.Ordinal) && c.Sql.Contains("ORDER BY", StringComparison.Ordinal));
        }

        if (query is null)
        {
            throw new InvalidOperationException("No history query was captured from EF Core.");
        }
        var raw = new RawKeysetQuery(app.ConnectionString, query, probeBefore, PageSize);
        if (!raw.Read(probeBefore).Select(m => m.Sequence).SequenceEqual(probePage!.Messages.Select(m => m.Sequence)))
        {
            throw new InvalidOperationException("The raw query did not return the page the app returned: the comparison would be unfair.");
        }

        var plan = raw.ExplainPlan();
        context.Log("app SQL: " + query.Sql.ReplaceLineEndings(" "));
        context.Log("plan: " + string.Join(" | ", plan));

        // Depths: random over the whole room, and the newest and oldest 1,000 messages for flatness.
        var random = new Random(4);
        long Depth(long from, long to) => random.NextInt64(Math.Max(PageSize + 1, from), to + 1);
        var randomDepths = Enumerable.Range(0, sizes.HistoryPages).Select(_ => Depth(PageSize + 1, last)).ToList();
        var shallowDepths = Enumerable.Range(0, sizes.HistoryPages).Select(_ => Depth(last - 1_000, last)).ToList();
        var deepDepths = Enumerable.Range(0, sizes.HistoryPages).Select(_ => Depth(PageSize + 1, PageSize + 1_000)).ToList();

        // Warm-up of both paths (JIT, pools, the page cache) outside the measurement.
        foreach (var before in randomDepths.Take(10))
        {
            await messages.GetHistoryAsync(Reader, HistoryFixture.Room, before, PageSize, cancellationToken);
            raw.Read(before);
        }

        var app50 = new List<double>();
        var raw50 = new List<double>();
        var appShallow = new List<double>();
        var rawShallow = new List<double>();
        var appDeep = new List<double>();
        var rawDeep = new List<double>();
        foreach (var (depths, appTimes, rawTimes) in new[] { (randomDepths, app50, raw50), (shallowDepths, appShallow, rawShallow), (deepDepths, appDeep, rawDeep) })
        {
            for (var repeat = 0; repeat < sizes.HistoryRepeats; repeat++)
            {
                foreach (var before in depths)
                {
                    // Alternate which goes first, so neither always finds the other's pages freshly cached.
                    if (repeat % 2 == 0)
                    {
                        appTimes.Add(await TimeAppAsync(messages, before, cancellationToken));
                        rawTimes.Add(TimeRaw(raw, before));
                    }
                    else
                    {
                        rawTimes.Add(TimeRaw(raw, before));
                        appTimes.Add(await TimeAppAsync(messages, before, cancellationToken));
                    }
                }
            }
        }

        var appAll = LatencySummary.Of(app50);
        var rawAll = LatencySummary.Of(raw50);
        var appNew = LatencySummary.Of(appShallow);
        var appOld = LatencySummary.Of(appDeep);
        var rawNew = LatencySummary.Of(rawShallow);
        var rawOld = LatencySummary.Of(rawDeep);
        result.Add(new Figure($"page of {PageSize}, random depth, p50", "ms", appAll.P50, "same SQL, raw ADO.NET", rawAll.P50));
        result.Add(new Figure($"page of {PageSize}, random depth, p95", "ms", appAll.P95, "same SQL, raw ADO.NET", rawAll.P95));
        result.Add(new Figure("newest 1,000 messages, p50", "ms", appNew.P50, "same SQL, raw ADO.NET", rawNew.P50));
        result.Add(new Figure("oldest 1,000 messages, p50", "ms", appOld.P50, "same SQL, raw ADO.NET", rawOld.P50));
        result.Add(new Figure("flatness: oldest p50 / newest p50", "x", appOld.P50 / appNew.P50, "raw flatness", rawOld.P50 / rawNew.P50));

        var ratio = appAll.P50 / rawAll.P50;
        result.Check($"page p50 <= {RawTarget}x raw keyset SQL", $"{ratio:0.00}x ({appAll.P50:0.000} ms vs {rawAll.P50:0.000} ms)", ratio <= RawTarget);
        var flatness = appOld.P50 / appNew.P50;
        result.Check($"flat with depth: oldest-end p50 <= {FlatTarget}x newest-end p50", $"{flatness:0.00}x ({appOld.P50:0.000} ms vs {appNew.P50:0.000} ms)", flatness <= FlatTarget);
        var searches = plan.Any(p => p.StartsWith("SEARCH", StringComparison.Ordinal) && (p.Contains("INDEX", StringComparison.Ordinal) || p.Contains("PRIMARY KEY", StringComparison.Ordinal)));
        var tempSort = plan.Any(p => p.Contains("TEMP B-TREE", StringComparison.Ordinal));
        result.Check("query plan: an index search, no temp B-tree sort", string.Join(" | ", plan), searches && !tempSort);

        result.Note($"Room of {last:#,0} messages (fixture {Path.GetFileName(fixture)}); {sizes.HistoryPages} pages at random depths, {sizes.HistoryPages} among the newest and {sizes.HistoryPages} among the oldest 1,000, each read {sizes.HistoryRepeats}x by each side, interleaved.");
        result.Note("App: MessageService.GetHistoryAsync (a DbContext, the room lookup, the keyset query, DTOs). Raw: the keyset SQL EF Core sent, captured from its DiagnosticListener, on a pooled SqliteConnection, read into the same DTOs.");
        result.Note("App SQL: `" + query.Sql.ReplaceLineEndings(" ") + "`");
    }

    private static async Task<double> TimeAppAsync(MessageService messages, long before, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var page = await messages.GetHistoryAsync(Reader, HistoryFixture.Room, before, PageSize, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return page.Messages.Count == PageSize ? elapsed : throw new InvalidOperationException($"A page before {before} had {page.Messages.Count} messages.");
    }

    private static double TimeRaw(RawKeysetQuery raw, long before)
    {
        var start = Stopwatch.GetTimestamp();
        var page = raw.Read(before);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return page.Count == PageSize ? elapsed : throw new InvalidOperationException($"A raw page before {before} had {page.Count} messages.");
    }
}
