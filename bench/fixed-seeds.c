/* fixed-seeds.c - for instruction counts only: preloaded into tshark, a fixed sequence in place of
 * GLib's random numbers, so that wmem_map's hash seeds (drawn once a process) are the same run
 * after run.  With random seeds, the collisions in Wireshark's small per-packet maps move a count
 * by up to 300 instructions a packet either way; with these (and address randomisation off), by
 * less than 30. */
unsigned int g_random_int(void);

unsigned int g_random_int(void)
{
    static unsigned int state = 0x9e3779b9u;
    state = state * 1103515245u + 12345u;
    return state | 1u;
}
