// Refuses to start on a CPU that lacks what the kernels were compiled for.
//
// The Swift targets are built for the CPU of the build host (Package.swift), so on an
// older CPU any of their code may fault with SIGILL, main's prologue included. This
// file is compiled without CPU flags and runs as a constructor, before any Swift code,
// so the user gets a sentence instead of "Illegal instruction".
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(CLINUX_BUILD_AVX512) || defined(CLINUX_BUILD_AVX2))

static int clinux_cpu_runs_build(void) {
    __builtin_cpu_init();
    int ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#if defined(CLINUX_BUILD_AVX512)
    ok = ok && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    return ok;
}

// PICOJOULE_CPU_GUARD=refuse makes a supported CPU take the refusal path, so that a
// test can see the guard linked into both executables and running before main.
static int clinux_guard_forced(void) {
    const char *forced = getenv("PICOJOULE_CPU_GUARD");
    return forced != NULL && strcmp(forced, "refuse") == 0;
}

__attribute__((constructor)) static void clinux_require_build_cpu(void) {
    if (clinux_cpu_runs_build() && !clinux_guard_forced()) return;
#if defined(CLINUX_BUILD_AVX512)
    static const char message[] =
        "picojoule: this build was compiled for AVX-512 (the CPU it was built on has it), but this CPU "
        "lacks AVX-512 F/BW/DQ/VL; rebuild here with scripts/build.sh, or build with "
        "PICOJOULE_TARGET_CPU=haswell for any x86-64 CPU with AVX2 and FMA\n";
#else
    static const char message[] =
        "picojoule: this build was compiled for AVX2 and FMA (-target-cpu haswell), which this CPU "
        "lacks; Picojoule's x86-64 kernels need a CPU from 2013 or later (Haswell, Zen)\n";
#endif
    ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
    (void)written;
    _exit(2);
}

#endif
