# lb_add_plugin(<target> SOURCES ... [LIBRARIES ...] [OUTPUT_DIR dir] [NO_INSTALL])
# A plugin is a MODULE library with hidden visibility, built only against the SDK
# (lifeboat::plugin-sdk); it links nothing from the engine, so a plugin that needs an
# engine symbol fails to load under RTLD_NOW, which is the point.
function(lb_add_plugin target)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIR;OUTPUT_NAME" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE lifeboat_plugin_sdk ${P_LIBRARIES})
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${LB_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT P_OUTPUT_NAME)
    set(P_OUTPUT_NAME ${target})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${P_OUTPUT_NAME}
    C_VISIBILITY_PRESET hidden
    POSITION_INDEPENDENT_CODE ON
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  lb_target_warnings(${target})
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${LB_INSTALL_PLUGIN_DIR})
  endif()
endfunction()
