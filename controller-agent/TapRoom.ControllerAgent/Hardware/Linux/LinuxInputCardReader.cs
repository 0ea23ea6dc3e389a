using System.Runtime.InteropServices;

namespace TapRoom.ControllerAgent.Hardware.Linux;

/// <summary>
/// A USB reader that shows up as a keyboard (/dev/input/eventN). The device is grabbed (EVIOCGRAB) so the UIDs it
/// types reach only us; key events become lines (<see cref="KeyboardLineDecoder"/>), lines become UIDs, and
/// <see cref="CardReadDebouncer"/> turns the repeated reads into one presentation and a removal.
/// </summary>
public sealed partial class LinuxInputCardReader : ICardReader
{
    private const uint EvIocGrab = 0x40044590;
    private readonly FileStream _device;
    private readonly CardReadDebouncer _debouncer;
    private readonly Thread _thread;
    private readonly ITimer _ticker;
    private readonly TimeProvider _time;
    private readonly bool _decimal;
    private volatile bool _stopping;

    public LinuxInputCardReader(string readerId, string devicePath, TimeSpan presenceTimeout, bool decimalUids = false, TimeProvider? time = null)
    {
        ReaderId = readerId;
        _decimal = decimalUids;
        _time = time ?? TimeProvider.System;
        _device = new FileStream(devicePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        _ = Ioctl((int)_device.SafeFileHandle.DangerousGetHandle(), EvIocGrab, 1);
        _debouncer = new CardReadDebouncer(presenceTimeout);
        _debouncer.Presented += uid => Presented?.Invoke(uid);
        _debouncer.Removed += () => Removed?.Invoke();
        _ticker = _time.CreateTimer(_ => { lock (_debouncer) _debouncer.Tick(_time.GetUtcNow().UtcDateTime); }, null,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
        _thread = new Thread(Run) { IsBackground = true, Name = "card-reader" };
        _thread.Start();
    }

    public string ReaderId { get; }
    public event Action<string>? Presented;
    public event Action? Removed;

    private void Run()
    {
        var is64 = Environment.Is64BitProcess;
        var size = InputEventParser.EventSize(is64);
        var buffer = new byte[size * 32];
        var decoder = new KeyboardLineDecoder();
        while (!_stopping)
        {
            int read;
            try
            {
                read = _device.Read(buffer, 0, buffer.Length);
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            if (read <= 0) return;
            foreach (var e in InputEventParser.ParseAll(buffer, read, is64))
            {
                if (decoder.Feed(e) is not { } line || UidLines.ToUid(line, _decimal) is not { } uid) continue;
                lock (_debouncer) _debouncer.Read(uid, _time.GetUtcNow().UtcDateTime);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, uint request, int arg);

    public void Dispose()
    {
        _stopping = true;
        _ticker.Dispose();
        _device.Dispose();
    }
}
