using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Benchmarks.Reporting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Demo;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// Durable sends per second: concurrent hub senders, each awaiting its ack (which the app gives only after commit)
/// before sending again, checked against the rows stored; beside raw SQLite inserts one per transaction and 100 per
/// transaction. Target (design.md §6): at least 0.5x the batched rate.
/// </summary>
public sealed class DurableSendScenario : IScenario
{
    private const string Room = "general";
    private const double Target = 0.5;

    public string Name => "durable-send";

    public string Title => "Durable sends/s over the hub vs raw SQLite inserts";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        var folder = context.NewFolder("durable");
        await using var app = AppNode.Start(Path.Combine(folder, "app"));
        var pragmas = await SqlitePragmas.ReadFromAppAsync(app.Services, cancellationToken);
        var body = Payload.Create("durable", 0);

        // The baselines write into a copy of the freshly seeded app database: the same table, indexes and settings.
        var rawPath = Path.Combine(folder, "raw.db");
        RawMessageInsert.CopyDatabase(app.ConnectionString, rawPath);
        var ceilingPath = Path.Combine(folder, "ceiling.db");
        RawMessageInsert.CopyDatabase(app.ConnectionString, ceilingPath);
        var rawSingle = RawInsertBaseline.Run(rawPath, pragmas, batch: 1, sizes.DurableRawDuration, body);
        var rawBatched = RawInsertBaseline.Run(rawPath, pragmas, batch: 100, sizes.DurableRawDuration, body);
        context.Log($"raw inserts: {rawSingle:0}/s one per transaction, {rawBatched:0}/s in batches of 100");

        var senders = await HubClients.ConnectManyAsync(
            sizes.DurableSenders,
            i => app.CreateConnectionAsync(DemoCommunity.Accounts[i % DemoCommunity.Accounts.Count].Email),
            (_, _) => Task.CompletedTask,
            cancellationToken);
        if (senders.Failures > 0)
        {
            throw new InvalidOperationException($"{senders.Failures} senders could not connect: {senders.FirstError}");
        }

        try
        {
            var hub = senders.Connections;
            context.Log($"app warm-up: {await WarmAsync(sizes, hub.Count, i => SendAsync(hub[i], cancellationToken))}");
            var before = CountRows(app.ConnectionString);
            var run = await SendForAsync(hub.Count, i => SendAsync(hub[i], cancellationToken), sizes.DurableAppDuration);
            var after = CountRows(app.ConnectionString);
            context.Log($"app: {run.Acks} acks in {run.Seconds:0.00} s = {run.Acks / run.Seconds:0}/s, {run.Errors} errors; rows +{after.Rows - before.Rows}");

            var echo = await MeasureBareHubAsync(context, body, BareHubMethod.Echo, services: null, cancellationToken);
            context.Log($"bare hub echo: {echo.Acks / echo.Seconds:0}/s");
            await using var rawCommit = new RawGroupCommit(ceilingPath, pragmas);
            var ceiling = await MeasureBareHubAsync(context, body, BareHubMethod.Store, s => s.AddSingleton(rawCommit), cancellationToken);
            context.Log($"bare hub storing by raw group commit: {ceiling.Acks / ceiling.Seconds:0}/s, {rawCommit.Rows / (double)Math.Max(1, rawCommit.Commits):0.0} per commit (warm-up included)");
            var direct = await MeasureServiceAsync(context, app, cancellationToken);
            context.Log($"MessageService.SendAsync called directly: {direct.Acks / direct.Seconds:0}/s");

            var rate = run.Acks / run.Seconds;
            result.Add(new Figure($"sends/s, {sizes.DurableSenders} senders awaiting acks", "/s", rate, "raw INSERT, 100 per transaction", rawBatched, HigherIsBetter: true));
            result.Add(new Figure($"sends/s, {sizes.DurableSenders} senders awaiting acks", "/s", rate, "raw INSERT, 1 per transaction", rawSingle, HigherIsBetter: true));
            result.Add(new Figure($"sends/s, {sizes.DurableSenders} senders awaiting acks", "/s", rate, "bare hub echo, no database", echo.Acks / echo.Seconds, HigherIsBetter: true));
            result.Add(new Figure($"sends/s, {sizes.DurableSenders} senders awaiting acks", "/s", rate, "bare hub + raw group commit", ceiling.Acks / ceiling.Seconds, HigherIsBetter: true));
            result.Add(new Figure("bare hub + raw group commit, sends/s", "/s", ceiling.Acks / ceiling.Seconds, "raw INSERT, 100 per transaction", rawBatched, HigherIsBetter: true));
            result.Add(new Figure($"MessageService.SendAsync direct, {sizes.DurableSenders} callers, sends/s", "/s", direct.Acks / direct.Seconds, "raw INSERT, 100 per transaction", rawBatched, HigherIsBetter: true));
            result.Add(new Figure("process CPU per send (server and senders)", "µs", run.CpuMicrosecondsPerAck, "bare hub echo", echo.CpuMicrosecondsPerAck));
            result.Add(new Figure("process CPU per send (server and senders)", "µs", run.CpuMicrosecondsPerAck, "bare hub + raw group commit", ceiling.CpuMicrosecondsPerAck));
            result.Add(new Figure("process CPU per send, MessageService direct", "µs", direct.CpuMicrosecondsPerAck));
            result.Add(new Figure("allocated per send (server and senders)", "KiB", run.KiBAllocatedPerAck, "bare hub echo", echo.KiBAllocatedPerAck));
            result.Add(new Figure("allocated per send, MessageService direct", "KiB", direct.KiBAllocatedPerAck));
            // A count of events, not a throughput: a short run (the CI smoke run) may see none, and 0 is then the figure.
            result.Add(new Figure("garbage collections per second, over the hub", "GC/s", run.CollectionsPerSecond, "bare hub echo", echo.CollectionsPerSecond));
            result.Add(new Figure("sends per commit (group commit batch), over the hub", "sends", run.SendsPerCommit));
            result.Add(new Figure("sends per commit, MessageService direct", "sends", direct.SendsPerCommit));
            result.Add(new Figure("ack latency p50", "ms", run.AckLatency.P50, "bare hub echo", echo.AckLatency.P50));
            result.Add(new Figure("ack latency p99", "ms", run.AckLatency.P99, "bare hub echo", echo.AckLatency.P99));

            var ratio = rate / rawBatched;
            result.Check($"sends/s >= {Target}x raw batched inserts", $"{ratio:0.00}x ({rate:0}/s vs {rawBatched:0}/s)", ratio >= Target);
            var stored = after.Rows - before.Rows;
            result.Check("every ack is a stored row, numbered without gaps",
                $"{run.Acks} acks, {stored} rows, {run.Errors} errors, sequences {(after.GapFree ? "gap-free" : "HAVE GAPS")}",
                stored == run.Acks && run.Errors == 0 && after.GapFree);
            result.Note($"SQLite settings read from the app's own connection and applied to the raw baseline: {pragmas}.");
            result.Note($"Each sender awaits its ack (sent after commit) before the next send; all {sizes.DurableSenders} send to one room, "
                        + "the hardest case for per-room numbering. Raw inserts run on one connection with a prepared statement. "
                        + "The bare hub echo (the same senders invoking a hub method that returns the message at once, no database) is the ceiling "
                        + "of any send over a hub on this machine, senders included: it says how much of the gap is the hub round trip itself.");
            result.Note("The bare hub + raw group commit (the same senders; the bare hub's method stores each message by a group commit of "
                        + "prepared raw INSERTs on a copy of the app's database, with the app's settings and batching rule, and acks after the commit) "
                        + "is the ceiling of a durable send over a hub here: no validation, idempotency, admission, EF Core or fan-out.");
        }
        finally
        {
            await HubClients.DisposeAllAsync(senders.Connections);
        }
    }

    /// <summary>
    /// Every send has its own text (of the same length): the app refuses a member's identical message within its
    /// duplicate window, as it should, and the benchmark measures sends it accepts.
    /// </summary>
    private static string NextBody() => Payload.Create("durable", Interlocked.Increment(ref s_sent));

    private static long s_sent;

    private static Task<MessageDto> SendAsync(HubConnection connection, CancellationToken cancellationToken) =>
        connection.InvokeAsync<MessageDto>("SendMessage", Room, Guid.NewGuid(), NextBody(), cancellationToken);

    /// <summary>
    /// The same senders against a bare hub method: <see cref="BareHub.Echo"/> returns the message at once,
    /// <see cref="BareHub.Store"/> once a bare group commit has stored it.
    /// </summary>
    private static async Task<SendRun> MeasureBareHubAsync(
        ScenarioContext context, string body, BareHubMethod method, Action<IServiceCollection>? services, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        await using var bare = await BareHubServer.StartAsync(services);
        var senders = await HubClients.ConnectManyAsync(
            sizes.DurableSenders, _ => Task.FromResult(HubClients.Build(bare.HubUrl, token: null)), (_, _) => Task.CompletedTask, cancellationToken);
        try
        {
            var hub = senders.Connections;
            Task Send(int i) => hub[i].InvokeAsync<MessageDto>(method.ToString(), Room, Guid.NewGuid(), body, cancellationToken);
            context.Log($"bare hub {method} warm-up: {await WarmAsync(sizes, hub.Count, Send)}");
            return await SendForAsync(hub.Count, Send, sizes.DurableRawDuration);
        }
        finally
        {
            await HubClients.DisposeAllAsync(senders.Connections);
        }
    }

    /// <summary>
    /// The app's send path without the hub: the same number of concurrent callers on <see cref="MessageService"/>, as
    /// the same accounts. Tells how much of the cost is the service (validation, EF Core, the group commit) itself.
    /// </summary>
    private static async Task<SendRun> MeasureServiceAsync(ScenarioContext context, AppNode app, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        var service = app.Services.GetRequiredService<MessageService>();
        var users = app.Services.GetRequiredService<UserManager<CommunityUser>>();
        var directory = app.Services.GetRequiredService<ActorDirectory>();
        // The same accounts as the hub's senders, so the same admission work (customers' checks, staff's none).
        var actors = new List<Actor>();
        for (var i = 0; i < sizes.DurableSenders; i++)
        {
            var user = await users.FindByEmailAsync(DemoCommunity.Accounts[i % DemoCommunity.Accounts.Count].Email)
                ?? throw new InvalidOperationException("A demo account is missing.");
            actors.Add(await directory.GetAsync(user.Id, user.DisplayName, cancellationToken));
        }

        Task Send(int i) => service.SendAsync(actors[i], Room, Guid.NewGuid(), NextBody(), cancellationToken: cancellationToken);
        context.Log($"direct warm-up: {await WarmAsync(sizes, sizes.DurableSenders, Send)}");
        return await SendForAsync(sizes.DurableSenders, Send, sizes.DurableRawDuration);
    }

    /// <summary>The senders' own load until the runtime has compiled what it runs (<see cref="JitWarmup"/>).</summary>
    private static Task<WarmupOutcome> WarmAsync(ScenarioSizes sizes, int senders, Func<int, Task> send) =>
        JitWarmup.RunAsync(duration => SendForAsync(senders, send, duration), sizes.WarmupSlice, sizes.WarmupMaximum);

    private static async Task<SendRun> SendForAsync(int senders, Func<int, Task> send, TimeSpan duration)
    {
        var latencies = new LatencyRecorder(1_000_000);
        var acks = 0;
        var errors = 0;
        // CPU time of the whole process (server and senders alike) tells waiting apart from working.
        using var process = Process.GetCurrentProcess();
        using var commits = new EfCommitCounter();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var collectionsBefore = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(async sender =>
        {
            while (clock.Elapsed < duration)
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    await send(sender);
                    latencies.Record(sent);
                    Interlocked.Increment(ref acks);
                }
                catch (Exception ex) when (ex is HubException or CommunityException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        return new SendRun(
            acks, errors, seconds, latencies.Summarize(), acks == 0 ? 0 : cpu / acks, commits.Commits == 0 ? 0 : (double)acks / commits.Commits,
            acks == 0 ? 0 : allocated / 1024.0 / acks, (GC.CollectionCount(0) - collectionsBefore) / seconds);
    }

    private static (long Rows, bool GapFree) CountRows(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*), COALESCE(MAX(m."Sequence") - MIN(m."Sequence") + 1, 0)
            FROM "Messages" m JOIN "Rooms" r ON r."Id" = m."RoomId" WHERE r."Slug" = $room;
            """;
        command.Parameters.AddWithValue("$room", Room);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(0) == reader.GetInt64(1));
    }

    private enum BareHubMethod
    {
        Echo,
        Store,
    }

    private sealed record SendRun(
        int Acks, int Errors, double Seconds, LatencySummary AckLatency, double CpuMicrosecondsPerAck, double SendsPerCommit,
        double KiBAllocatedPerAck, double CollectionsPerSecond);
}
