using System.Globalization;
using System.Net;
using System.Text.Json;
using SupportCommunity.Messages;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>Steps the fault tests share.</summary>
public static class Scenario
{
    /// <summary>Starts one <see cref="RoomReplica"/> per spec, each joined to <paramref name="room"/> on its node.</summary>
    public static async Task<List<RoomReplica>> StartClientsAsync(
        Cluster cluster, string room, params (string Name, string Email, ScaleOutNode Node)[] specs)
    {
        var clients = new List<RoomReplica>();
        try
        {
            foreach (var (name, email, node) in specs)
            {
                clients.Add(await RoomReplica.StartAsync(cluster, name, email, room, node));
            }
        }
        catch
        {
            await DisposeAllAsync(clients);
            throw;
        }

        return clients;
    }

    public static async Task DisposeAllAsync(IEnumerable<RoomReplica> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>The room as the database has it now, read over REST from a node that is up.</summary>
    public static async Task<IReadOnlyList<MessageDto>> ReadStoredRoomAsync(Cluster cluster, string room)
    {
        using var api = await cluster.CreateApiClientAsync(Agent);
        return await Consistency.ReadRoomAsync(api, room);
    }

    /// <summary>A new client on each node that is up, joining with 0, gets the stored room's latest page.</summary>
    public static async Task AssertFreshJoinMatchesAsync(Cluster cluster, IEnumerable<ScaleOutNode> nodes, string room, IReadOnlyList<MessageDto> stored)
    {
        foreach (var node in nodes.Where(cluster.IsUp))
        {
            await using var fresh = await node.ConnectAsync(Agent);
            var joined = await fresh.JoinRoomAsync(room);
            Assert.Equal(stored[^1].Sequence, joined.Room.LastSequence);
            Assert.NotEmpty(joined.Messages);
            Assert.Equal(stored.TakeLast(joined.Messages.Count), joined.Messages);
        }
    }

    /// <summary>
    /// After the traffic stopped: waits (up to 10 s) until every client holds exactly the stored room, prints the
    /// figures, and holds lost, duplicated and reordered to zero. A fresh join on each node that is up must agree.
    /// </summary>
    public static async Task<Consistency> FinishAsync(
        ITestOutputHelper output, Cluster cluster, string room, IReadOnlyList<RoomReplica> clients, Traffic traffic, string title)
    {
        var stored = await ReadStoredRoomAsync(cluster, room);
        TimeSpan? converged = null;
        try
        {
            converged = await Eventually.HoldsAsync(
                () => Consistency.ClientsMatch(stored, clients), TimeSpan.FromSeconds(10), "every client holds exactly the stored room");
        }
        catch (TimeoutException ex)
        {
            output.WriteLine(ex.Message);
        }

        var report = Consistency.Measure(stored, traffic.Sent, traffic.Acked, clients);
        report.Print(output, title);
        foreach (var phase in traffic.Acked.GroupBy(s => s.Phase))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"phase {phase.Key,-8}: {phase.Count()} acknowledged, slowest ack {phase.Max(s => s.CallLatency.TotalMilliseconds):0} ms, " +
                $"sent again after a failure {phase.Count(s => s.Attempts > 1)}"));
        }

        foreach (var failure in traffic.Failures)
        {
            output.WriteLine("send failed: " + failure);
        }

        foreach (var client in clients.Where(c => c.Errors.Count > 0))
        {
            output.WriteLine($"{client.Name}: {string.Join(" | ", client.Errors)}");
        }

        output.WriteLine(converged is { } t
            ? $"clients matched the stored room {t.TotalMilliseconds:0} ms after the last send"
            : "clients did NOT match the stored room in time");

        Assert.Empty(traffic.Failures);
        report.AssertNothingLostDuplicatedOrReordered();
        Assert.NotNull(converged);
        await AssertFreshJoinMatchesAsync(cluster, [cluster.A, cluster.B], room, stored);
        return report;
    }

    /// <summary>GET /health: the HTTP status, the overall status and each check's status.</summary>
    public static async Task<Health> ReadHealthAsync(ScaleOutNode node)
    {
        using var http = node.CreateClient();
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        var checks = json.RootElement.GetProperty("checks").EnumerateObject()
            .ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString() ?? "");
        return new Health(response.StatusCode, json.RootElement.GetProperty("status").GetString() ?? "", checks, text);
    }
}

public sealed record Health(HttpStatusCode StatusCode, string Status, IReadOnlyDictionary<string, string> Checks, string Json)
{
    public string Redis => Checks.GetValueOrDefault("redis", "(missing)");

    public string Database => Checks.GetValueOrDefault("database", "(missing)");
}
