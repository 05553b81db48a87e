/*
 * A stand-in bcryptprimitives.dll for Wine older than 8.13.
 *
 * Why: Rust's standard library (1.78 and later) gets its random bytes
 * (HashMap seeds) from ProcessPrng, imported from bcryptprimitives.dll.
 * Wine added that DLL in 8.13; Debian 12's Wine is 8.0, which has no
 * bcryptprimitives.dll at all, so every Rust program built for
 * x86_64-pc-windows-gnu fails to start under it. scripts/test-platform
 * builds this file with x86_64-w64-mingw32-gcc and copies the DLL into the
 * private WINEPREFIX's drive_c/windows/system32, nowhere else.
 *
 * What: ProcessPrng forwards to RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has had for years and which fills the buffer from the host's
 * random source. ProcessPrng is documented never to fail, so it always
 * returns TRUE; RtlGenRandom under Wine reads /dev/urandom and does not
 * fail either.
 *
 * Remove this directory, and its step in scripts/test-platform, once the CI
 * machine's Wine is 8.13 or newer (Debian 13 ships Wine 10).
 */
#include <windows.h>

/* advapi32's RtlGenRandom, exported under its ordinal-style name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG length; SIZE_T may be larger. */
    while (len > 0) {
        ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

/* Built without the C runtime (-nostdlib), so this is the whole entry. */
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
