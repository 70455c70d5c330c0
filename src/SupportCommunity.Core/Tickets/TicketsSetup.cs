using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SupportCommunity.Tickets;

public static class TicketsSetup
{
    /// <summary>Escalation, the desk, SLA clocks and the collision indicator (sections <c>Tickets</c>, <c>Tickets:Sla</c>).</summary>
    public static IServiceCollection AddTickets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TicketOptions>()
            .Bind(configuration.GetSection(TicketOptions.Section))
            .Validate(o => o.QueueList.Count > 0 && o.QueueList.All(TicketRules.IsQueueName),
                "Tickets:Queues must list at least one queue of lower-case letters, digits and '-'.")
            .Validate(o => o.ConversationLines is > 0 and <= TicketOptions.MaxTranscriptLines,
                $"Tickets:ConversationLines must be between 1 and {TicketOptions.MaxTranscriptLines}.")
            .ValidateOnStart();
        services.AddOptions<SlaOptions>()
            .Bind(configuration.GetSection(SlaOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SlaOptions>, SlaOptionsValidator>();
        services.AddSingleton<SlaPolicy>();
        services.AddSingleton<TicketPublisher>();
        services.AddSingleton<EscalationService>();
        services.AddSingleton<TicketService>();
        services.AddSingleton<TicketCollision>();
        return services;
    }
}

/// <summary>Refuses to start with unusable business hours or SLA targets, saying which setting is wrong.</summary>
internal sealed class SlaOptionsValidator : IValidateOptions<SlaOptions>
{
    public ValidateOptionsResult Validate(string? name, SlaOptions options) =>
        BusinessCalendar.TryCreate(options, out _, out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);
}
