using FluentValidation;
using MediatR;

namespace TapRoom.Server.Infrastructure;

public static class MediatorSetup
{
    /// <summary>MediatR 5.1.0 registered by hand (its DI package is not available): handlers, validators, behaviours.</summary>
    public static IServiceCollection AddTapRoomMediator(this IServiceCollection services)
    {
        services.AddScoped<ServiceFactory>(sp => sp.GetService!);
        services.AddScoped<IMediator, Mediator>();
        services.AddScoped<CurrentActor>();
        services.AddSingleton<WriteGate>();
        services.AddSingleton<CommitBatcher>();
        services.AddScoped<DomainEvents>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<LocationContext>();
        services.AddScoped<VenueAccess>();
        services.AddSingleton<VenueDirectory>();

        // Order matters: the first registered is the outermost. The last three are constrained to commands
        // (where TRequest : ICommandMarker), so the container builds none of them, and no DbContext, for a query or for
        // the ~3,000 progress reports a second at the target load (it skips an open generic whose constraint fails).
        // Behaviours and handlers hold no state of their own (the per-command state is in the scoped DbContext,
        // DomainEvents, AuditTrail and LocationContext they are given), so they are transient: a scope does not keep
        // them in its table of resolved services (that table's growth was 9 % of the server's allocations at the target
        // load). Validators build their rules in their constructors and keep no state, so they are built once.
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(PourLatencyBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ControllerVenueBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ConcurrencyRetryBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(TransactionBehavior<,>));

        foreach (var type in typeof(MediatorSetup).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var itf in type.GetInterfaces().Where(i => i.IsGenericType))
            {
                var definition = itf.GetGenericTypeDefinition();
                if (definition == typeof(IValidator<>)) services.AddSingleton(itf, type);
                else if (definition == typeof(IRequestHandler<,>) || definition == typeof(INotificationHandler<>)) services.AddTransient(itf, type);
            }
        }
        return services;
    }
}
