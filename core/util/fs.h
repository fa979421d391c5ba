/* Small file-system helpers of the engine. */
#ifndef LB_UTIL_FS_H
#define LB_UTIL_FS_H

/* mkdir -p @path with @mode for the directories it creates; errors name the directory. */
int lb_mkdirs(const char *path, unsigned mode);

#endif
