namespace Coupons.Api.Hosting;

/// <summary>
/// Tells this node's job runner that a job became runnable here (a generation job created, an
/// issuance's inputs sealed), so that it looks at once instead of at its next idle look, up to half
/// a second later. Other nodes find the job when they next look, as before.
/// </summary>
internal sealed class JobWakeup
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Wake"/>: taken before looking for a job, so that a job made meanwhile is not slept through.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Wake() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
