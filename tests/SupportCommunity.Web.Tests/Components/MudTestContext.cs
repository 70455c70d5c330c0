using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>A bUnit context with MudBlazor's services, loose JS interop and an in-memory key ring.</summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<IDataProtectionProvider, EphemeralDataProtectionProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's providers dispose asynchronously.
    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();
}
