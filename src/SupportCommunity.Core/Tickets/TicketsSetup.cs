using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
            .Validate(o => BusinessCalendar.TryCreate(o, out _, out _), "Tickets:Sla is invalid: see the log of the failed start.")
            .ValidateOnStart();
        services.AddSingleton<SlaPolicy>();
        services.AddSingleton<TicketPublisher>();
        services.AddSingleton<EscalationService>();
        services.AddSingleton<TicketService>();
        services.AddSingleton<TicketCollision>();
        return services;
    }
}
