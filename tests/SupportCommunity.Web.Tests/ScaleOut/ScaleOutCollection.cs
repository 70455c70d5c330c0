namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// The scale-out classes run one after another: each starts two app nodes and drives timed traffic, and they stay
/// reliable when they do not compete with each other for the CPU.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScaleOutTests : ICollectionFixture<SharedRedis>
{
    public const string Name = "ScaleOut";
}

/// <summary>
/// The Redis that tests which never stop it share: the one tests/run.sh started (SUPPORTCOMMUNITY_TEST_REDIS), or,
/// when the tests run without it, one of our own. Tests that stop Redis start their own <see cref="RedisServer"/>.
/// </summary>
public sealed class SharedRedis : IAsyncLifetime
{
    private RedisServer? _own;

    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_REDIS") is { Length: > 0 } endpoint)
        {
            Endpoint = endpoint;
            return;
        }

        _own = await RedisServer.StartAsync();
        Endpoint = _own.Endpoint;
    }

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }
}
