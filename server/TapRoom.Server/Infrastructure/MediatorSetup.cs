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

        // Order matters: the first registered is the outermost. The last three are constrained to commands
        // (where TRequest : ICommandMarker), so the container builds none of them, and no DbContext, for a query or for
        // the ~3,000 progress reports a second at the target load (it skips an open generic whose constraint fails).
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(PourLatencyBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(ConcurrencyRetryBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(TransactionBehavior<,>));

        var handlerInterfaces = new[] { typeof(IRequestHandler<,>), typeof(INotificationHandler<>), typeof(IValidator<>) };
        foreach (var type in typeof(MediatorSetup).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var itf in type.GetInterfaces().Where(i => i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition())))
            {
                services.AddScoped(itf, type);
            }
        }
        return services;
    }
}
