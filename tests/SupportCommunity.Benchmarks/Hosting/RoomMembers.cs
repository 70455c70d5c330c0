using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Demo;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>
/// Opens member connections to the app or to the bare hub and sends probe messages to them, the same way on both
/// sides. App members are the demo accounts in turn (several connections per account, as several tabs would be).
/// </summary>
public static class RoomMembers
{
    /// <summary>The staff account that sends: staff are exempt from the flood guard in any configuration.</summary>
    public const string SenderEmail = "manager@demo.test";

    public static async Task<ConnectResult> JoinAppAsync(
        AppNode app, string room, int count, LatencyProbe probe, CancellationToken cancellationToken, int offset = 0)
    {
        // Join after the newest message: the cheap catch-up a reconnecting widget does (0 would fetch a page of 50).
        var last = LastSequence(app.ConnectionString, room);
        return await HubClients.ConnectManyAsync(
            count,
            async i =>
            {
                var connection = await app.CreateConnectionAsync(DemoCommunity.Accounts[(i + offset) % DemoCommunity.Accounts.Count].Email);
                probe.Attach(connection);
                return connection;
            },
            (connection, _) => connection.InvokeAsync<object>("JoinRoom", room, last, cancellationToken),
            cancellationToken);
    }

    public static Task<ConnectResult> JoinBareAsync(BareHubServer bare, string group, int count, LatencyProbe probe, CancellationToken cancellationToken) =>
        HubClients.ConnectManyAsync(
            count,
            _ =>
            {
                var connection = HubClients.Build(bare.HubUrl, token: null);
                probe.Attach(connection);
                return Task.FromResult(connection);
            },
            (connection, _) => connection.InvokeAsync("Join", group, cancellationToken),
            cancellationToken);

    /// <summary>The app's send: acknowledged after commit, then fanned out.</summary>
    public static Task AppSend(HubConnection sender, string room, string run, long intended, CancellationToken cancellationToken) =>
        sender.InvokeAsync<MessageDto>("SendMessage", room, Guid.NewGuid(), Payload.Create(run, intended), cancellationToken);

    public static Task BareSend(HubConnection sender, string group, string run, long intended, CancellationToken cancellationToken) =>
        sender.InvokeAsync("Send", group, Guid.NewGuid(), Payload.Create(run, intended), cancellationToken);

    public static async Task<HubConnection> StartAppSenderAsync(AppNode app, CancellationToken cancellationToken)
    {
        var sender = await app.CreateConnectionAsync(SenderEmail);
        await sender.StartAsync(cancellationToken);
        return sender;
    }

    public static async Task<HubConnection> StartBareSenderAsync(BareHubServer bare, CancellationToken cancellationToken)
    {
        var sender = HubClients.Build(bare.HubUrl, token: null);
        await sender.StartAsync(cancellationToken);
        return sender;
    }

    private static long LastSequence(string connectionString, string room)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "LastSequence" FROM "Rooms" WHERE "Slug" = $room;""";
        command.Parameters.AddWithValue("$room", room);
        return command.ExecuteScalar() is long last ? last : throw new InvalidOperationException($"There is no room '{room}'.");
    }
}
