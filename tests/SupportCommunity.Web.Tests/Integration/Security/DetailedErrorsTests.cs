using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SupportCommunity.Web.Realtime;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// The app in Production where configuration (<c>DetailedErrors=true</c>, as <c>ASPNETCORE_DETAILEDERRORS</c> sets
/// it) and code (hub options) both ask for detailed errors: they stay off anyway.
/// </summary>
public sealed class ProductionAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["DetailedErrors"] = "true";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
        builder.ConfigureServices(services => services.Configure<HubOptions>(options => options.EnableDetailedErrors = true));
    }
}

/// <summary>Exception details never reach hub clients, and reach the browser's circuit in Development only.</summary>
public sealed class DetailedErrorsTests(ProductionAppFactory production, CommunityAppFactory development)
    : IClassFixture<ProductionAppFactory>, IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task HubCall_FailingInsideSignalRInProduction_ReturnsNoExceptionDetails()
    {
        await using var hub = await production.ConnectAsync(Customer);

        // Wrong argument types fail in SignalR's binder, before the hub's own error filter could step in; with
        // detailed errors SignalR would add "InvalidDataException: Error binding arguments…".
        var failure = await Assert.ThrowsAsync<HubException>(() =>
            hub.Connection.InvokeAsync<object>("SendMessage", General, "not-a-guid", 42).WaitAsync(CommunityAppFactory.Timeout));

        Assert.Equal("Failed to invoke 'SendMessage' due to an error on the server.", failure.Message);
        // The connection survives the bad call.
        Assert.Equal(General, (await hub.JoinRoomAsync(General)).Room.Slug);
    }

    [Fact]
    public void Options_InProductionWithDetailedErrorsAskedFor_AreOffForHubsAndCircuits()
    {
        Assert.Equal("true", production.Services.GetRequiredService<IConfiguration>()["DetailedErrors"]);

        Assert.False(production.Services.GetRequiredService<IOptions<HubOptions>>().Value.EnableDetailedErrors);
        Assert.False(production.Services.GetRequiredService<IOptions<HubOptions<CommunityHub>>>().Value.EnableDetailedErrors);
        Assert.False(production.Services.GetRequiredService<IOptions<CircuitOptions>>().Value.DetailedErrors);
    }

    [Fact]
    public void Options_InDevelopment_DetailCircuitErrorsOnly()
    {
        Assert.True(development.Services.GetRequiredService<IOptions<CircuitOptions>>().Value.DetailedErrors);
        Assert.False(development.Services.GetRequiredService<IOptions<HubOptions<CommunityHub>>>().Value.EnableDetailedErrors);
    }
}
