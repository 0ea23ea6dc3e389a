namespace TapRoom.Server.Features.Dashboard;

/// <summary>
/// Serialises "read the committed state, then push it" per entity. Two changes of one tap committed close together
/// could otherwise be read in one order and sent in the other, leaving every dashboard on the older state. Inside the
/// gate the later send always carries state at least as new as the earlier one (SignalR keeps the order of sends on
/// a connection). Striped, so memory stays bounded whatever the number of entities.
/// </summary>
public sealed class DashboardPushGate
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task RunAsync(string kind, Guid id, Func<Task> readAndSend, CancellationToken ct)
    {
        var stripe = _stripes[(uint)HashCode.Combine(kind, id) % (uint)_stripes.Length];
        await stripe.WaitAsync(ct);
        try
        {
            await readAndSend();
        }
        finally
        {
            stripe.Release();
        }
    }
}
